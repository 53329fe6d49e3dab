/** demo/make-demo.ts: re-runnable and deterministic, and the bundled demo data is what it makes now. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { snapshot, tempDir } from '../pipeline/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bundled = (root: string) => new Map([...snapshot(root)].filter(([rel]) => /^(feeds|pages)\//.test(rel)));

test('make-demo writes the same bytes on every run, and demo/ holds exactly them', () => {
  const out = tempDir();
  const run = () => execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'demo/make-demo.ts'), out], { cwd: ROOT, encoding: 'utf8' });
  assert.match(run(), /voa 19, bbc 49, dw 69, cdt 78/);
  const first = bundled(out);
  run();
  assert.deepEqual(bundled(out), first, 'a second run changes nothing');
  assert.deepEqual(first, bundled(path.join(ROOT, 'demo')), 'demo/ is up to date with the generator (run it and commit)');
  // The English test feeds stay in the tests: the demo holds none.
  assert.ok(![...first.keys()].some((rel) => /guardian|heise|rss-1|science/i.test(rel)), [...first.keys()].join(' '));
});
