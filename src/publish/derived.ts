/**
 * Derived outputs (the website, its search index, the mirror's own feeds, digests) are published on a branch
 * of their own that holds one commit, replaced each run. They are a function of the record, so their history
 * is worth nothing to a reader, and kept on the main branch they made its history grow ~3.8× faster than the
 * articles themselves (docs/DEPLOY.md). GitHub Pages can serve that branch as it is (a .nojekyll file keeps
 * folders starting with "_").
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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

/** Loose objects past which the derived object store is repacked down to the current snapshot. */
const REPACK_LOOSE = 5_000;

/**
 * Make the derived paths one parentless commit and force-push it to `branch`, unless the remote's is the same.
 *
 * What a push sends: git sends the objects the new commit reaches that the remote's refs do not reach through
 * parent links, so a parentless commit alone would send the whole website every hour (measured: every object
 * of the tree). The same push therefore also sends a helper commit with the same tree whose parent is the
 * remote's snapshot, to a ref that is deleted right after: only the files that changed travel.
 *
 * The snapshot's objects live in .newsmirror/site-objects (an object store of their own, so they never enter
 * the archive branch's repository, and cached with the index by the workflow): a runner that has them from
 * the last run downloads nothing; one that lacks them fetches the remote's snapshot once (depth 1).
 */
export async function publishDerived(opts: DerivedPublishOptions): Promise<DerivedPublishResult> {
  const { repo, remote, branch } = opts;
  const paths = opts.paths.filter((p) => existsSync(path.join(repo, p)));
  if (paths.length === 0) return { committed: false, pushed: false, commit: null };
  const prefix = await must(repo, ['rev-parse', '--show-prefix']);
  const indexFile = path.resolve(repo, await must(repo, ['rev-parse', '--git-path', 'newsmirror-derived.index']));
  const mainObjects = path.resolve(repo, await must(repo, ['rev-parse', '--git-path', 'objects']));
  const objects = path.join(repo, '.newsmirror', 'site-objects');
  for (const d of ['pack', 'info']) mkdirSync(path.join(objects, d), { recursive: true });
  const env = { GIT_INDEX_FILE: indexFile, GIT_OBJECT_DIRECTORY: objects, GIT_ALTERNATE_OBJECT_DIRECTORIES: mainObjects };
  rmSync(indexFile, { force: true });
  try {
    // --force: a mirror's .gitignore keeps these folders out of the main branch.
    await must(repo, ['add', '--force', '--all', '--', ...paths], env);
    const empty = await must(repo, ['hash-object', '-w', '--stdin'], env, '');
    await must(repo, ['update-index', '--add', '--cacheinfo', `100644,${empty},${prefix}.nojekyll`], env);
    const tree = await must(repo, ['write-tree', ...(prefix ? [`--prefix=${prefix}`] : [])], env);
    const listed = await run(repo, ['ls-remote', '--heads', remote, `refs/heads/${branch}`]);
    if (listed.code !== 0) throw new NewsmirrorError('git', `${repo}: cannot list ${remote}: ${listed.err.split('\n').find((l) => l.trim()) ?? `exit ${listed.code}`}`);
    const previous = listed.out.split(/\s/)[0] || null;
    let have = previous !== null && (await run(repo, ['cat-file', '-e', `${previous}^{tree}`], env)).code === 0;
    if (previous && !have) have = (await run(repo, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--depth=1', remote, `refs/heads/${branch}`], env)).code === 0;
    const previousTree = previous && have ? await must(repo, ['rev-parse', `${previous}^{tree}`], env) : null;
    if (previousTree === tree) return { committed: false, pushed: false, commit: null };
    const ident = await identityArgs(repo);
    const commit = await must(repo, [...ident, 'commit-tree', tree, '-m', opts.message], env);
    if (opts.push === false) return { committed: true, pushed: false, commit };
    const helper = previous && have ? await must(repo, [...ident, 'commit-tree', tree, '-p', previous, '-m', opts.message], env) : null;
    const incoming = `refs/newsmirror/${branch}-incoming`;
    const refspecs = [...(helper ? [`${helper}:${incoming}`] : []), `${commit}:refs/heads/${branch}`];
    const push = await run(repo, ['push', '--quiet', '--force', remote, ...refspecs], { GIT_ALTERNATE_OBJECT_DIRECTORIES: objects });
    if (push.code !== 0) {
      const line = (push.err || push.out).split('\n').find((l) => /error|rejected|fatal/i.test(l)) ?? push.err.split('\n')[0] ?? '';
      throw new NewsmirrorError('git', `${repo}: push of the website to ${remote}/${branch} failed: ${line.trim()}`);
    }
    // The helper ref would keep the previous snapshot reachable on the remote: delete it (a failure here
    // leaves it for the next run's push to replace; nothing is lost).
    if (helper) await run(repo, ['push', '--quiet', remote, `:${incoming}`]);
    await tidyObjects(repo, objects, commit, env);
    return { committed: true, pushed: true, commit };
  } finally {
    rmSync(indexFile, { force: true });
  }
}

/** Keep the derived object store to about one snapshot: once loose objects pile up, repack what `commit` reaches. */
async function tidyObjects(repo: string, objects: string, commit: string, env: NodeJS.ProcessEnv): Promise<void> {
  const counts = Object.fromEntries(
    (await run(repo, ['count-objects', '-v'], env)).out.split('\n').map((l) => l.split(': ') as [string, string]),
  );
  if (Number(counts.count ?? 0) < REPACK_LOOSE) return;
  const base = path.join(objects, 'pack', 'snapshot');
  const hash = await must(repo, ['pack-objects', '--revs', '--quiet', base], env, `${commit}\n`);
  for (const e of readdirSync(objects)) {
    if (/^[0-9a-f]{2}$/.test(e)) rmSync(path.join(objects, e), { recursive: true, force: true });
  }
  for (const f of readdirSync(path.join(objects, 'pack'))) {
    if (!f.startsWith(`snapshot-${hash}.`)) rmSync(path.join(objects, 'pack', f), { force: true });
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
