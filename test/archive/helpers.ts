/** Helpers of the archive tests: temp copies of the fixture archive, byte pictures of trees, the CLI from source. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const SEED = path.join(FIXTURES, 'seed', '000_27822f79dc96baa0.txt');
export const ORIGINAL = path.join(FIXTURES, 'archive-original');
export const SITES = [
  { name: '美国之音', abbr: 'voa' },
  { name: 'BBC', abbr: 'bbc' },
];

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'nm-archive-'));
}

/** A fresh copy of the fixture archive in the original layout. */
export function copyOriginal(): string {
  const root = path.join(tempDir(), 'archive');
  cpSync(ORIGINAL, root, { recursive: true });
  return root;
}

/** Every file under `root` but the index folder, with its sha256. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (rel === '.newsmirror') continue;
      if (statSync(full).isDirectory()) walk(full);
      else out.set(rel, createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

const TSX = import.meta.resolve('tsx');
const LAUNCHER = fileURLToPath(new URL('./run-cli.ts', import.meta.url));

/** Run the CLI from source in `cwd`. */
export function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, LAUNCHER, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
