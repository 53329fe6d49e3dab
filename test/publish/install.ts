/**
 * Installing newsmirror as a user would, into an empty folder, and checking what came out: shared by the
 * tarball route (pack.test.ts) and the git-URL route (gitdep.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../pipeline/harness.js';

/** An empty project folder, as a mirror's runner starts from; `allowScripts` is its install-script policy. */
export function emptyProject(allowScripts?: Record<string, boolean>): string {
  const prefix = tempDir('nm-install-');
  writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: 'mirror', private: true, ...(allowScripts ? { allowScripts } : {}) }) + '\n');
  return prefix;
}

/** `npm install <spec>` in `prefix`; asserts it succeeded and returns how long it took and what npm printed. */
export function npmInstall(prefix: string, spec: string, extra: string[] = []): { seconds: number; stderr: string } {
  const t0 = performance.now();
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...extra, spec], { cwd: prefix, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(install.status, 0, install.stderr);
  return { seconds, stderr: install.stderr };
}

/** Every package installed at the version npm-shrinkwrap.json pins; no devDependency at all. */
export function assertPinnedTree(prefix: string): void {
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
}

/** `npx --no newsmirror demo` works in `prefix` (--no: run the installed bin, never fetch one by name), twice. */
export function assertDemoWorks(prefix: string): void {
  const demo = spawnSync('npx', ['--no', 'newsmirror', 'demo', '--out', 'demo-archive', '--no-progress'], { cwd: prefix, encoding: 'utf8', timeout: 180_000 });
  assert.equal(demo.status, 0, demo.stderr + demo.stdout);
  const archive = path.join(prefix, 'demo-archive');
  assert.ok(existsSync(path.join(archive, 'README.md')));
  assert.ok(readdirSync(path.join(archive, 'articles')).length > 0);
  assert.ok(existsSync(path.join(archive, 'site', 'index.html')));
  assert.ok(existsSync(path.join(archive, 'site', 'digests', 'index.html')));
  const again = spawnSync('npx', ['--no', 'newsmirror', 'demo', '--out', 'demo-archive', '--json'], { cwd: prefix, encoding: 'utf8', timeout: 180_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).totals.new, 0, 'a second demo run finds nothing new');
}
