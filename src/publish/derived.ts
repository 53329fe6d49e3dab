/**
 * Derived outputs (the website, its search index, the mirror's own feeds, digests) are published on a branch
 * of their own that holds one commit, replaced each run. They are a function of the record, so their history
 * is worth nothing to a reader, and kept on the main branch they made its history grow ~3.8× faster than the
 * articles themselves (docs/DEPLOY.md). GitHub Pages can serve that branch as it is (a .nojekyll file keeps
 * folders starting with "_").
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NewsmirrorError } from '../errors.js';
import { git, identityArgs, must as mustRaw } from './git.js';

const run = async (repo: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => {
  const r = await git(repo, args, env, input);
  return { code: r.code, out: r.stdout.trim(), err: r.stderr };
};
const must = async (repo: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => (await mustRaw(repo, args, env, input)).trim();

/** What is the record, committed to the main branch: articles and their revisions, lists, README, images, takedowns. */
export const RECORD_PATHS = ['articles', 'revisions', 'lists', 'README.md', 'assets', 'redactions.yaml'];
/** Derived outputs beside the site folder, published on the site branch. */
export const DERIVED_PATHS = ['feeds', 'digests'];

export interface DerivedPublishOptions {
  /** The archive root (a git work tree, or a folder inside one). */
  repo: string;
  /** Derived paths relative to repo (missing ones are left out). */
  paths: string[];
  remote: string;
  /** The branch that holds the one commit (default "site"). */
  branch: string;
  message: string;
  push?: boolean;
}

export interface DerivedPublishResult {
  /** A new snapshot was made (the files differ from the remote branch's). */
  committed: boolean;
  pushed: boolean;
  commit: string | null;
}

/** Make the derived paths one parentless commit and force-push it to `branch`, unless the remote's is the same. */
export async function publishDerived(opts: DerivedPublishOptions): Promise<DerivedPublishResult> {
  const { repo, remote, branch } = opts;
  const paths = opts.paths.filter((p) => existsSync(path.join(repo, p)));
  if (paths.length === 0) return { committed: false, pushed: false, commit: null };
  const prefix = await must(repo, ['rev-parse', '--show-prefix']);
  const indexFile = path.resolve(repo, await must(repo, ['rev-parse', '--git-path', 'newsmirror-derived.index']));
  const env = { GIT_INDEX_FILE: indexFile };
  rmSync(indexFile, { force: true });
  try {
    // --force: a mirror's .gitignore keeps these folders out of the main branch.
    await must(repo, ['add', '--force', '--all', '--', ...paths], env);
    const empty = await must(repo, ['hash-object', '-w', '--stdin'], {}, '');
    await must(repo, ['update-index', '--add', '--cacheinfo', `100644,${empty},${prefix}.nojekyll`], env);
    const tree = await must(repo, ['write-tree', ...(prefix ? [`--prefix=${prefix}`] : [])], env);
    const tracking = `refs/newsmirror/${remote}/${branch}`;
    // The remote's snapshot, so that the push sends only what changed (and to see whether anything did).
    // A shallow fetch: its history is one commit anyway.
    const fetched = await run(repo, ['fetch', '--quiet', '--no-tags', '--depth=1', remote, `+refs/heads/${branch}:${tracking}`]);
    const remoteTree = fetched.code === 0 ? (await run(repo, ['rev-parse', '--verify', '--quiet', `${tracking}^{tree}`])).out.trim() : '';
    if (remoteTree === tree) return { committed: false, pushed: false, commit: null };
    const ident = await identityArgs(repo);
    const commit = await must(repo, [...ident, 'commit-tree', tree, '-m', opts.message]);
    if (opts.push === false) return { committed: true, pushed: false, commit };
    const push = await run(repo, ['push', '--quiet', '--force', remote, `${commit}:refs/heads/${branch}`]);
    if (push.code !== 0) {
      const line = (push.err || push.out).split('\n').find((l) => /error|rejected|fatal/i.test(l)) ?? push.err.split('\n')[0] ?? '';
      throw new NewsmirrorError('git', `${repo}: push of the website to ${remote}/${branch} failed: ${line.trim()}`);
    }
    await run(repo, ['update-ref', tracking, commit]);
    return { committed: true, pushed: true, commit };
  } finally {
    rmSync(indexFile, { force: true });
  }
}

/**
 * Paths of derived outputs that an older newsmirror committed to the main branch: untracked from now on (the
 * files stay on disk), so the branch stops growing with them. Returns the paths it untracked.
 */
export async function untrackDerived(repo: string, paths: string[]): Promise<string[]> {
  const tracked = (await run(repo, ['ls-files', '-z', '--', ...paths])).out.split('\0').filter(Boolean);
  if (tracked.length === 0) return [];
  const roots = paths.filter((p) => tracked.some((t) => t === p || t.startsWith(`${p}/`)));
  await must(repo, ['rm', '-r', '--cached', '--quiet', '--', ...roots]);
  return roots;
}
