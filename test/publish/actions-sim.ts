/**
 * Runs a job of a workflow file the way GitHub Actions would, on this machine, with real git:
 * - actions/checkout: a fresh shallow clone of the bare remote into a new workspace;
 * - actions/cache: restore from a cache folder by the key or the newest entry of a restore-key prefix, and
 *   save under the key after the job when it was not an exact hit (as the real action's post step does);
 * - newsmirror's action: its composite steps, read from its action.yml, with its inputs; actions/setup-node
 *   inside it checks that this Node satisfies node-version;
 * - run: steps in bash (`bash -e`), with the working directory and env the YAML gives.
 * Expressions are evaluated for the contexts the files use; anything else fails the run, so a workflow that
 * needs something this simulator does not know cannot pass by accident.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface SimOptions {
  /** The bare remote actions/checkout clones. */
  remote: string;
  /** Folder of the Actions cache (one sub-folder per key). */
  cacheDir: string;
  /** Where workspaces are made (one per run). */
  runnerDir: string;
  /** `uses:` refs of actions that run from a local folder (newsmirror's action → its checkout). */
  actions: Record<string, string>;
  runId: number;
  /** Called before each step of the job (index, step): lets a test act while the job runs. */
  beforeStep?: (index: number, step: Step, workspace: string) => void | Promise<void>;
}

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  shell?: string;
  'working-directory'?: string;
}

export interface JobResult {
  workspace: string;
  log: string;
  cache: { key: string; restored: string | null; saved: boolean }[];
}

type Ctx = { inputs: Record<string, string>; github: Record<string, string>; runner: Record<string, string> };

/** `${{ … }}` with the contexts a newsmirror workflow uses; an unknown expression throws. */
export function evaluate(text: string, ctx: Ctx): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    const m = /^(inputs|github|runner)\.([\w-]+)$/.exec(expr);
    const value = m ? ctx[m[1] as keyof Ctx][m[2]!] : undefined;
    if (value === undefined) throw new Error(`simulator: cannot evaluate \${{ ${expr} }}`);
    return value;
  });
}

/** bash -e in `cwd`, asynchronously: the loopback feed servers run in this process and must keep answering. */
function sh(script: string, cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`simulator: step failed (exit ${code}) in ${cwd}:\n${script}\n${out}`))));
  });
}

function lines(v: unknown): string[] {
  return String(v ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Run `job` of the workflow text; throws when a step fails. */
export async function runJob(workflowText: string, job: string, opts: SimOptions): Promise<JobResult> {
  const wf = parseYaml(workflowText) as { jobs: Record<string, { steps: Step[] }> };
  const steps = wf.jobs[job]?.steps;
  if (!steps) throw new Error(`simulator: no job ${job}`);
  const workspace = path.join(opts.runnerDir, `run-${opts.runId}`, 'workspace');
  rmSync(path.dirname(workspace), { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  const github = { run_id: String(opts.runId), workspace, action_path: '' };
  const runner = { os: 'Linux' };
  const env = { GITHUB_WORKSPACE: workspace, GITHUB_RUN_ID: String(opts.runId), CI: 'true' };
  const posts: (() => void)[] = [];
  const result: JobResult = { workspace, log: '', cache: [] };

  for (const [i, step] of steps.entries()) {
    await opts.beforeStep?.(i, step, workspace);
    const ctx: Ctx = { inputs: {}, github, runner };
    const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), ctx)]));
    if (step.run !== undefined) {
      result.log += await sh(evaluate(step.run, ctx), path.resolve(workspace, step['working-directory'] ?? '.'), env);
    } else if (step.uses?.startsWith('actions/checkout@')) {
      await sh(`git clone --quiet --depth 1 "file://${opts.remote}" .`, workspace, env);
    } else if (step.uses?.startsWith('actions/cache@')) {
      const key = withs.key!;
      const paths = lines(withs.path);
      const entries = existsSync(opts.cacheDir) ? readdirSync(opts.cacheDir) : [];
      let hit: string | null = entries.includes(key) ? key : null;
      for (const prefix of hit ? [] : lines(withs['restore-keys'])) {
        const newest = entries.filter((e) => e.startsWith(prefix)).sort((a, b) => statSync(path.join(opts.cacheDir, b)).mtimeMs - statSync(path.join(opts.cacheDir, a)).mtimeMs)[0];
        if (newest) {
          hit = newest;
          break;
        }
      }
      if (hit) for (const p of paths) if (existsSync(path.join(opts.cacheDir, hit, p))) cpSync(path.join(opts.cacheDir, hit, p), path.join(workspace, p), { recursive: true });
      const record = { key, restored: hit, saved: false };
      result.cache.push(record);
      if (hit !== key) {
        posts.push(() => {
          const present = paths.filter((p) => existsSync(path.join(workspace, p)));
          if (present.length === 0) return;
          const dir = path.join(opts.cacheDir, key);
          for (const p of present) cpSync(path.join(workspace, p), path.join(dir, p), { recursive: true });
          record.saved = true;
        });
      }
    } else if (step.uses && opts.actions[step.uses]) {
      result.log += await runComposite(opts.actions[step.uses]!, withs, { ...ctx, github: { ...github } }, workspace, env);
    } else {
      throw new Error(`simulator: no way to run step ${i} (${step.uses ?? JSON.stringify(step)})`);
    }
  }
  for (const post of posts.reverse()) post();
  return result;
}

/** A composite action's steps, from its action.yml, with its inputs (defaults, then `with`). */
async function runComposite(actionPath: string, withs: Record<string, string>, outer: Ctx, workspace: string, env: Record<string, string>): Promise<string> {
  const meta = parseYaml(readFileSync(path.join(actionPath, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown; required?: boolean }>;
    runs: { using: string; steps: Step[] };
  };
  if (meta.runs.using !== 'composite') throw new Error(`simulator: ${actionPath} is not a composite action`);
  for (const k of Object.keys(withs)) if (!meta.inputs?.[k]) throw new Error(`simulator: ${actionPath} has no input "${k}"`);
  const inputs = Object.fromEntries(Object.entries(meta.inputs ?? {}).map(([k, v]) => [k, withs[k] ?? (v.default === undefined ? '' : String(v.default))]));
  const ctx: Ctx = { inputs, github: { ...outer.github, action_path: actionPath }, runner: outer.runner };
  let log = '';
  for (const step of meta.runs.steps) {
    const stepWith = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), ctx)]));
    if (step.uses?.startsWith('actions/setup-node@')) {
      const want = Number(stepWith['node-version']);
      const have = Number(process.versions.node.split('.')[0]);
      if (!(have >= want)) throw new Error(`simulator: setup-node wants Node ${stepWith['node-version']}, this is ${process.versions.node}`);
      continue;
    }
    if (step.run === undefined) throw new Error(`simulator: no way to run composite step ${step.name ?? step.uses}`);
    if (step.shell !== 'bash') throw new Error(`simulator: composite step "${step.name}" needs shell: bash`);
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), ctx)]));
    const cwd = path.resolve(workspace, evaluate(step['working-directory'] ?? '.', ctx));
    log += await sh(evaluate(step.run, ctx), cwd, { ...env, GITHUB_ACTION_PATH: actionPath, ...stepEnv });
  }
  return log;
}
