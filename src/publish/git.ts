/** Publishing with real git: stage only archive paths, commit when something changed, push with rebase-retry. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NewsmirrorError } from '../errors.js';

export interface PublishOptions {
  /** The mirror repository (the archive root, or a folder inside a repository). */
  repo: string;
  /** Archive paths to stage (relative to repo); missing ones are ignored. */
  paths: string[];
  message: string;
  remote: string;
  branch: string;
  /** Push attempts on a rejected push (default 3). */
  maxAttempts?: number;
  /** Push after committing (default true). */
  push?: boolean;
}

export interface PublishResult {
  committed: boolean;
  pushed: boolean;
  attempts: number;
  commit: string | null;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run git in `repo`; never rejects (the exit code is in the result). `input` is written to its stdin. */
export function git(repo: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd: repo, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Run git and return its stdout; a failure is one line naming the repository and the git command. */
export async function must(repo: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<string> {
  const r = await git(repo, args, env, input);
  if (r.code !== 0) {
    const line = (r.stderr || r.stdout).split('\n').find((l) => l.trim()) ?? `exit ${r.code}`;
    throw new NewsmirrorError('git', `${repo}: git ${args.find((a) => /^[a-z][a-z-]+$/.test(a)) ?? args[0]} failed: ${line.trim()}`);
  }
  return r.stdout;
}

/** CI runners often have no git identity: fall back to one for newsmirror's commits. */
export async function identityArgs(repo: string): Promise<string[]> {
  const name = await git(repo, ['config', 'user.name']);
  const email = await git(repo, ['config', 'user.email']);
  const args: string[] = [];
  if (name.code !== 0 || !name.stdout.trim()) args.push('-c', 'user.name=newsmirror');
  if (email.code !== 0 || !email.stdout.trim()) args.push('-c', 'user.email=newsmirror@localhost');
  return args;
}

/** Commit the archive paths (if anything changed) and push, rebasing onto the remote on a rejected push. */
export async function publish(opts: PublishOptions): Promise<PublishResult> {
  const { repo } = opts;
  await must(repo, ['rev-parse', '--git-dir']);
  const paths = opts.paths.filter((p) => existsSync(path.join(repo, p)));
  if (paths.length > 0) await must(repo, ['add', '--all', '--', ...paths]);
  const staged = await git(repo, ['diff', '--cached', '--quiet']);
  let committed = false;
  let commit: string | null = null;
  if (staged.code === 1) {
    await must(repo, [...(await identityArgs(repo)), 'commit', '--quiet', '--no-verify', '-m', opts.message]);
    committed = true;
    commit = (await must(repo, ['rev-parse', 'HEAD'])).trim();
  }
  if (opts.push === false) return { committed, pushed: false, attempts: 0, commit };
  const maxAttempts = opts.maxAttempts ?? 3;
  const ident = await identityArgs(repo);
  for (let attempt = 1; ; attempt++) {
    const push = await git(repo, ['push', '--porcelain', '-u', opts.remote, `HEAD:refs/heads/${opts.branch}`]);
    if (push.code === 0) return { committed, pushed: true, attempts: attempt, commit: (await must(repo, ['rev-parse', 'HEAD'])).trim() };
    const text = push.stderr + push.stdout;
    const rejected = /rejected|non-fast-forward|fetch first|failed to push/i.test(text);
    if (!rejected || attempt >= maxAttempts) {
      const line = text.split('\n').find((l) => /error|rejected|fatal/i.test(l)) ?? text.split('\n')[0] ?? '';
      throw new NewsmirrorError('git', `${repo}: push to ${opts.remote}/${opts.branch} failed after ${attempt} attempt(s): ${line.trim()}`);
    }
    // Someone pushed meanwhile (another shard, a manual edit): replay our commit on top and try again.
    await must(repo, ['fetch', '--quiet', opts.remote, opts.branch]);
    const rebase = await git(repo, [...ident, 'rebase', '--quiet', `${opts.remote}/${opts.branch}`]);
    if (rebase.code !== 0) {
      await git(repo, ['rebase', '--abort']);
      const line = (rebase.stderr || rebase.stdout).split('\n').find((l) => /conflict/i.test(l)) ?? 'conflict';
      throw new NewsmirrorError('git', `${repo}: rebase onto ${opts.remote}/${opts.branch} failed (${line.trim()}); the local commit is kept, resolve and publish again`);
    }
  }
}

/** A commit message that summarises a run: counts on the first line, sites with changes in the body. */
export function commitMessage(s: { sites: number; new: number; updated: number; failed: number; names: string[] }): string {
  const who = s.names.length ? ` from ${s.names.slice(0, 5).join(', ')}${s.names.length > 5 ? ` and ${s.names.length - 5} more` : ''}` : '';
  const failed = s.failed ? `, ${s.failed} failed` : '';
  return `newsmirror: ${s.new} new, ${s.updated} updated${who} (${s.sites} sites${failed})`;
}
