/** Every workflow and action the project ships or `init` generates passes actionlint and our pin/install rules. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { defaultActionRef, PINNED_ACTIONS, shardedWorkflow, workflow } from '../../src/publish/index.js';
import { ROOT } from '../pipeline/harness.js';
import { lintAction, lintWorkflow, pinAndInstallRules } from './workflow-lint.js';

const ACTION = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const OWN = defaultActionRef();

test('action.yml and the generated workflows lint clean', async () => {
  assert.deepEqual(await lintAction(ACTION), []);
  assert.equal(OWN, 'newsmirror/newsmirror@v0.1.0');
  // newsmirror's own action stands at the ref init was given (its release tag by default): that is the
  // maintainer's pin; every other action is pinned by SHA.
  const mine = 'me/mirror@0123456789abcdef0123456789abcdef01234567';
  for (const [name, text] of [
    ['newsmirror.yml', workflow()],
    ['newsmirror-sharded.yml', shardedWorkflow()],
    ['pinned.yml', workflow({ action: mine })],
    ['pinned-sharded.yml', shardedWorkflow(3, { action: mine })],
  ] as const) {
    assert.deepEqual(await lintWorkflow(text, name, [OWN, mine]), [], name);
  }
  // The project's own workflows, if it ships any.
  const dir = path.join(ROOT, '.github', 'workflows');
  for (const f of existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : []) {
    assert.deepEqual(await lintWorkflow(readFileSync(path.join(dir, f), 'utf8'), f), [], f);
  }
});

test('the pins in action.yml are the ones the generated workflows use (one list of SHAs)', () => {
  const used = [...ACTION.matchAll(/uses:\s*(\S+ # \S+)/g)].map((m) => m[1]);
  assert.ok(used.length > 0);
  for (const u of used) assert.ok((Object.values(PINNED_ACTIONS) as string[]).includes(u!), u);
  const steps = (parseYaml(ACTION) as { runs: { steps: { run?: string }[] } }).runs.steps;
  assert.ok(steps.some((s) => s.run?.includes('npm ci')), 'installs from the lockfile');
});

test('a broken expression, an unknown key, an unpinned action or a bare-name install fails', async () => {
  const wf = workflow();
  const cases: [string, string, RegExp][] = [
    ['broken expression', wf.replace('${{ github.run_id }}', '${{ github.run_id }'), /expression|lexing/],
    ['unknown context property', wf.replace('${{ github.run_id }}', '${{ github.run_idd }}'), /run_idd/],
    ['unknown key', wf.replace('timeout-minutes: 30', 'timeout-minutes: 30\n    run-on: ubuntu-latest'), /unexpected key "run-on"/],
    ['unpinned action', wf.replace(PINNED_ACTIONS.checkout, 'actions/checkout@v4'), /actions\/checkout@v4 is not pinned/],
    ['pin without version', wf.replace(PINNED_ACTIONS.checkout, PINNED_ACTIONS.checkout.split(' ')[0]!), /no "# vX.Y.Z" comment/],
    ['bare-name install', wf.replace('      - uses: actions/checkout', '      - run: npm install --no-save newsmirror\n      - uses: actions/checkout'), /installs a package by name/],
    ['npx by name', wf.replace('      - uses: actions/checkout', '      - run: npx newsmirror run\n      - uses: actions/checkout'), /"npx" installs a package by name/],
  ];
  for (const [what, text, expected] of cases) {
    assert.notEqual(text, wf, what);
    const problems = await lintWorkflow(text, 'w.yml', [OWN]);
    assert.ok(problems.some((p) => expected.test(p.message)), `${what}: ${JSON.stringify(problems)}`);
  }
  // The same for the action's metadata and steps.
  const actionCases: [string, string, RegExp][] = [
    ['broken expression', ACTION.replace('${{ inputs.node-version }}', '${{ inputs.node-version'), /lexing|expression/],
    ['undefined input', ACTION.replace('${{ inputs.args }}', '${{ inputs.argz }}'), /argz/],
    ['unknown step key', ACTION.replace('      with:\n        node-version', '      wiht:\n        node-version'), /unexpected key "wiht"/],
    ['unknown metadata key', `${ACTION}\nrun-on: x\n`, /unexpected key "run-on"/],
    ['unpinned action', ACTION.replace(PINNED_ACTIONS.setupNode, 'actions/setup-node@v4'), /not pinned/],
  ];
  for (const [what, text, expected] of actionCases) {
    assert.notEqual(text, ACTION, what);
    const problems = await lintAction(text);
    assert.ok(problems.some((p) => expected.test(p.message)), `action.yml, ${what}: ${JSON.stringify(problems)}`);
  }
  assert.deepEqual(pinAndInstallRules('      - run: npm ci --no-audit\n      - uses: ./local-action\n'), []);
});
