/**
 * The git-URL route of docs/DEPLOY.md (`npm install github:OWNER/REPO#vX.Y.Z`), for real and offline: a bare
 * clone of this repository's HEAD in a temp dir, installed with `npm install git+file://…#<commit>` into an
 * empty folder. npm clones it, installs its dev dependencies from the lockfile, runs `prepare` (tsc: dist/ is
 * not in git), packs it with its bundled dependencies and installs that.
 *
 * With --strict-allow-scripts, as npm 12 will by default, an install script that the policy does not cover
 * fails the install instead of being skipped: the mirror's package.json approves newsmirror's `prepare` by its
 * git URL, and newsmirror's own allowScripts covers what its dev install runs in the clone.
 * (Tested: the committed HEAD, not uncommitted changes. It took 8.5 min on the 2 shared cores, load ~10.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from '../pipeline/harness.js';
import { assertDemoWorks, assertPinnedTree, emptyProject, npmInstall } from './install.js';

test('npm install git+file://<bare clone>#<commit> into an empty folder → prepare builds it → npx newsmirror demo', { timeout: 1_500_000 }, () => {
  const bare = path.join(tempDir('nm-gitdep-'), 'newsmirror.git');
  execFileSync('git', ['clone', '--quiet', '--bare', ROOT, bare]);
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const url = `git+file://${bare}`;

  const prefix = emptyProject({ [url]: true });
  const { seconds, stderr } = npmInstall(prefix, `${url}#${commit}`, ['--strict-allow-scripts']);
  process.stderr.write(`gitdep test: npm install git+file://…#${commit.slice(0, 7)} into an empty folder took ${seconds.toFixed(1)} s\n`);
  assert.doesNotMatch(stderr, /not (yet )?covered by allowScripts/, stderr);

  const pkgRoot = path.join(prefix, 'node_modules', 'newsmirror');
  assert.ok(existsSync(path.join(pkgRoot, 'dist', 'cli', 'index.js')), 'prepare compiled dist/');
  assert.ok(!existsSync(path.join(pkgRoot, 'src')) && !existsSync(path.join(pkgRoot, 'test')), 'installed as packed: no sources, no tests');
  const lock = JSON.parse(readFileSync(path.join(prefix, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
  assert.equal(lock.packages['node_modules/newsmirror']?.resolved, `${url}#${commit}`, 'the mirror pins the commit it installed');
  assertPinnedTree(prefix);
  assertDemoWorks(prefix);
});
