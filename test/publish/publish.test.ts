/** Publishing with real git into bare remotes, init output, the run lock and sharding. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { acquireRunLock } from '../../src/archive/index.js';
import { DEFAULT_SITES, loadConfig } from '../../src/config/index.js';
import { parseShard, selectShard } from '../../src/config/shard.js';
import { NewsmirrorError } from '../../src/errors.js';
import { commitMessage, initMirror, publish, publishDerived, untrackDerived } from '../../src/publish/index.js';
import { ROOT, cli, rss, startFeedServer, tempDir, writeConfig } from '../pipeline/harness.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

function bareAndClone(): { bare: string; work: string } {
  const base = tempDir('nm-git-');
  const bare = path.join(base, 'remote.git');
  git(base, 'init', '--quiet', '--bare', '-b', 'main', bare);
  const work = path.join(base, 'work');
  git(base, 'clone', '--quiet', bare, work);
  git(work, 'checkout', '--quiet', '-b', 'main');
  return { bare, work };
}

const PATHS = ['articles', 'lists', 'README.md'];

test('publish: first push creates the branch, only archive paths are staged, an empty run makes no commit', async () => {
  const { bare, work } = bareAndClone();
  mkdirSync(path.join(work, 'articles/voa'), { recursive: true });
  writeFileSync(path.join(work, 'articles/voa/1048575.md'), 'a\n');
  writeFileSync(path.join(work, 'README.md'), '# r\n');
  writeFileSync(path.join(work, 'stray.txt'), 'not archive\n');
  const msg = commitMessage({ sites: 9, new: 12, updated: 3, failed: 1, names: ['美国之音', 'BBC'] });
  assert.equal(msg, 'newsmirror: 12 new, 3 updated from 美国之音, BBC (9 sites, 1 failed)');
  const r = await publish({ repo: work, paths: PATHS, message: msg, remote: 'origin', branch: 'main' });
  assert.deepEqual([r.committed, r.pushed], [true, true]);
  assert.equal(git(bare, 'log', '--format=%s', 'main').trim(), msg);
  assert.deepEqual(git(bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n').sort(), ['README.md', 'articles/voa/1048575.md']);
  const again = await publish({ repo: work, paths: PATHS, message: 'x', remote: 'origin', branch: 'main' });
  assert.equal(again.committed, false);
  assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '1');
});

test('publish: a rejected push is fetched, rebased and retried; a conflict fails cleanly', async () => {
  const { bare, work } = bareAndClone();
  mkdirSync(path.join(work, 'articles/voa'), { recursive: true });
  writeFileSync(path.join(work, 'articles/voa/1048575.md'), 'a\n');
  await publish({ repo: work, paths: PATHS, message: 'first', remote: 'origin', branch: 'main' });
  // Another runner (a shard) pushes meanwhile.
  const other = path.join(path.dirname(bare), 'other');
  git(path.dirname(bare), 'clone', '--quiet', bare, other);
  mkdirSync(path.join(other, 'articles/bbc'), { recursive: true });
  writeFileSync(path.join(other, 'articles/bbc/1048575.md'), 'b\n');
  git(other, 'add', '.');
  git(other, 'commit', '--quiet', '-m', 'other shard');
  git(other, 'push', '--quiet', 'origin', 'main');
  writeFileSync(path.join(work, 'articles/voa/1048574.md'), 'c\n');
  const r = await publish({ repo: work, paths: PATHS, message: 'second', remote: 'origin', branch: 'main' });
  assert.equal(r.pushed, true);
  assert.equal(r.attempts, 2);
  assert.deepEqual(git(bare, 'log', '--format=%s', 'main').trim().split('\n'), ['second', 'other shard', 'first']);
  // Now a real conflict: both edit the same file.
  git(other, 'pull', '--quiet', '--rebase', 'origin', 'main');
  writeFileSync(path.join(other, 'articles/voa/1048575.md'), 'edited elsewhere\n');
  git(other, 'commit', '--quiet', '-am', 'conflicting');
  git(other, 'push', '--quiet', 'origin', 'main');
  writeFileSync(path.join(work, 'articles/voa/1048575.md'), 'edited here\n');
  await assert.rejects(publish({ repo: work, paths: PATHS, message: 'third', remote: 'origin', branch: 'main' }), (e: unknown) => {
    assert.ok(e instanceof NewsmirrorError && e.code === 'git');
    assert.match(e.message, /rebase onto origin\/main failed/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  assert.ok(!existsSync(path.join(work, '.git', 'rebase-merge')) && !existsSync(path.join(work, '.git', 'rebase-apply')), 'not left mid-rebase');
});

test('run --publish through the CLI commits the run with its summary', async () => {
  const { bare, work } = bareAndClone();
  const server = await startFeedServer({ '/f.xml': { body: rss('F', [{ title: '发布测试', link: 'https://p.example/1', guid: 'p1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: `<p>${'内容'.repeat(300)}</p>` }]) } });
  try {
    writeConfig(work, [{ name: '测试', abbr: 'test', feed: `${server.origin}/f.xml` }], 'fullText: never');
    writeFileSync(path.join(work, 'newsmirror.yaml'), readFileSync(path.join(work, 'newsmirror.yaml'), 'utf8').replace('archive: archive', 'archive: .'));
    const r = await cli(['run', '--no-progress', '--publish'], work);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /published: newsmirror: 1 new, 0 updated from 测试 \(1 sites\)/);
    const files = git(bare, 'ls-tree', '-r', '--name-only', 'main');
    assert.match(files, /articles\/test\/1048574\.md/);
    assert.match(files, /^README\.md$/m);
    assert.doesNotMatch(files, /^(feeds|site)\//m, 'derived outputs are not on the archive branch');
    assert.doesNotMatch(files, /\.newsmirror|newsmirror\.yaml/, 'the index and config are not archive paths');
    // The website and feeds: one parentless commit on the site branch, served as it is (.nojekyll).
    const site = git(bare, 'ls-tree', '-r', '--name-only', 'site');
    assert.match(site, /^feeds\/all\.xml$/m);
    assert.match(site, /^site\/index\.html$/m);
    assert.match(site, /^site\/_static\//m);
    assert.match(site, /^\.nojekyll$/m);
    assert.doesNotMatch(site, /^articles\//m);
    assert.equal(git(bare, 'rev-list', '--count', 'site').trim(), '1');
    const again = await cli(['run', '--no-progress', '--publish'], work);
    assert.match(again.stdout, /published: nothing to commit/);
    assert.match(again.stdout, /published: website and feeds unchanged/);
    // A new story: a new archive commit, and the site branch's one commit replaced.
    const before = git(bare, 'rev-parse', 'site').trim();
    server.routes.set('/f.xml', { body: rss('F', [{ title: '第二篇', link: 'https://p.example/2', guid: 'p2', pubDate: 'Thu, 08 Sep 2022 13:31:51 GMT', body: `<p>${'正文'.repeat(300)}</p>` }]) });
    const third = await cli(['run', '--no-progress', '--publish'], work);
    assert.equal(third.code, 0, third.stderr + third.stdout);
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');
    assert.equal(git(bare, 'rev-list', '--count', 'site').trim(), '1');
    assert.notEqual(git(bare, 'rev-parse', 'site').trim(), before);
    assert.match(git(bare, 'show', 'site:feeds/all.xml'), /第二篇/);
  } finally {
    await server.close();
  }
});

test('init writes a valid config and workflow, and never overwrites without --force', async () => {
  const dir = tempDir();
  const r = await initMirror(dir);
  assert.equal(r.written.length, 4);
  const cfg = parseYaml(readFileSync(path.join(dir, 'newsmirror.yaml'), 'utf8'));
  assert.deepEqual(cfg.sites.map((s: { abbr: string }) => s.abbr), DEFAULT_SITES.map((s) => s.abbr));
  const loaded = loadConfig({ cwd: dir });
  assert.equal(loaded.sites.length, 9);
  assert.equal(loaded.sites.find((s) => s.abbr === 'cdt')?.selector, 'div.post-content');
  const wf = parseYaml(readFileSync(path.join(dir, '.github/workflows/newsmirror.yml'), 'utf8'));
  assert.match(wf.on.schedule[0].cron, /^\d+ \* \* \* \*$/);
  assert.ok('workflow_dispatch' in wf.on);
  assert.equal(wf.concurrency.group, 'newsmirror');
  assert.equal(wf.concurrency['cancel-in-progress'], false);
  assert.equal(wf.permissions.contents, 'write');
  const steps = wf.jobs.mirror.steps as { run?: string; uses?: string; with?: { path?: string; args?: string } }[];
  assert.ok(steps.some((s) => s.uses === 'newsmirror/newsmirror@v0.1.0' && s.with?.args?.startsWith('run --publish')), 'the action, at this version');
  assert.ok(!steps.some((s) => s.run), 'no step runs its own commands (nothing installs by a bare name)');
  assert.ok(
    steps.some((s) => s.uses?.startsWith('actions/cache@') && s.with?.path?.split('\n').includes('.newsmirror') && s.with?.path?.split('\n').includes('site')),
    'the index and the website are kept in the Actions cache',
  );
  const sharded = parseYaml(readFileSync(path.join(dir, '.github/workflows/newsmirror-sharded.yml.example'), 'utf8'));
  assert.deepEqual(sharded.jobs.shard.strategy.matrix.shard, [1, 2, 3, 4]);
  assert.match(readFileSync(path.join(dir, '.gitignore'), 'utf8'), /^\.newsmirror\/$/m);
  // --action overrides the ref; a malformed one is a one-line usage error.
  const other = tempDir();
  const pinned = await cli(['init', other, '--action', 'me/mirror-action@0123456789abcdef0123456789abcdef01234567'], ROOT);
  assert.equal(pinned.code, 0);
  assert.match(readFileSync(path.join(other, '.github/workflows/newsmirror.yml'), 'utf8'), /uses: me\/mirror-action@0123456789abcdef0123456789abcdef01234567\n/);
  const bad = await cli(['init', tempDir(), '--action', 'newsmirror'], ROOT);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^newsmirror: --action: "newsmirror" is not OWNER\/REPO@REF/);
  writeFileSync(path.join(dir, 'newsmirror.yaml'), 'mine: true\n');
  const second = await cli(['init', dir], ROOT);
  assert.equal(second.code, 0);
  assert.match(second.stdout, /kept .*newsmirror\.yaml \(exists; --force to overwrite\)/);
  assert.equal(readFileSync(path.join(dir, 'newsmirror.yaml'), 'utf8'), 'mine: true\n');
});

test('run lock: contention waits then fails clearly; release; a stale lock is taken over; one of two processes wins', async () => {
  const root = tempDir();
  mkdirSync(path.join(root, '.newsmirror'));
  const lock = await acquireRunLock(root);
  await assert.rejects(acquireRunLock(root, { waitMs: 300, pollMs: 50 }), (e: unknown) => {
    assert.ok(e instanceof NewsmirrorError && e.code === 'locked');
    assert.match(e.message, new RegExp(`another newsmirror run \\(pid ${process.pid} on .*\\) holds \\.newsmirror/run\\.lock`));
    return true;
  });
  await lock.release();
  const again = await acquireRunLock(root, { waitMs: 0 });
  await again.release();
  // A lock left by a process that has exited.
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.on('exit', r));
  writeFileSync(path.join(root, '.newsmirror/run.lock'), JSON.stringify({ pid: dead.pid, hostname: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
  const taken = await acquireRunLock(root, { waitMs: 0 });
  assert.equal(JSON.parse(readFileSync(path.join(root, '.newsmirror/run.lock'), 'utf8')).pid, process.pid);
  await taken.release();
  // Two processes race for the lock and hold it for a while: exactly one wins.
  const script = `import('${path.join(ROOT, 'src/archive/lock.ts')}').then(async (m) => { try { const l = await m.acquireRunLock(${JSON.stringify(root)}, { waitMs: 0 }); console.log('won'); await new Promise(r => setTimeout(r, 800)); await l.release(); } catch (e) { console.log(e.code); } })`;
  const race = () =>
    new Promise<string>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', () => resolve(out.trim()));
    });
  const results = (await Promise.all([race(), race()])).sort();
  assert.deepEqual(results, ['locked', 'won']);
});

test('sharding: every site in exactly one shard for n = 1..7; adding a site moves no other', () => {
  const sites = Array.from({ length: 40 }, (_, i) => ({ abbr: `site${i}` }));
  for (let n = 1; n <= 7; n++) {
    const seen = new Map<string, number>();
    for (let i = 1; i <= n; i++) for (const s of selectShard(sites, i, n)) seen.set(s.abbr, (seen.get(s.abbr) ?? 0) + 1);
    assert.equal(seen.size, sites.length, `n=${n}`);
    assert.ok([...seen.values()].every((c) => c === 1));
    const grown = [...sites, { abbr: 'newcomer' }];
    for (let i = 1; i <= n; i++) {
      const before = selectShard(sites, i, n).map((s) => s.abbr);
      const after = selectShard(grown, i, n).map((s) => s.abbr).filter((a) => a !== 'newcomer');
      assert.deepEqual(after, before);
    }
  }
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/4', '5/4', 'x', '1/0']) assert.throws(() => parseShard(bad), /--shard/);
});

test('a mirror published by an older newsmirror: site/ and feeds/ leave main, the files stay, the site branch gets them', async () => {
  const { bare, work } = bareAndClone();
  mkdirSync(path.join(work, 'articles/voa'), { recursive: true });
  mkdirSync(path.join(work, 'site/_static'), { recursive: true });
  mkdirSync(path.join(work, 'feeds'), { recursive: true });
  writeFileSync(path.join(work, 'articles/voa/1048575.md'), 'a\n');
  writeFileSync(path.join(work, 'site/index.html'), '<p>old</p>\n');
  writeFileSync(path.join(work, 'site/_static/s.css'), 'body{}\n');
  writeFileSync(path.join(work, 'feeds/all.xml'), '<feed/>\n');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'old layout');
  git(work, 'push', '--quiet', 'origin', 'main');
  const untracked = await untrackDerived(work, ['site', 'feeds', 'digests']);
  assert.deepEqual(untracked, ['site', 'feeds']);
  const r = await publish({ repo: work, paths: PATHS, message: 'move derived outputs', remote: 'origin', branch: 'main' });
  assert.equal(r.committed, true);
  const d = await publishDerived({ repo: work, paths: ['site', 'feeds', 'digests'], message: 'site', remote: 'origin', branch: 'site' });
  assert.deepEqual([d.committed, d.pushed], [true, true]);
  assert.deepEqual(git(bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n'), ['articles/voa/1048575.md']);
  assert.deepEqual(git(bare, 'ls-tree', '-r', '--name-only', 'site').trim().split('\n').sort(), ['.nojekyll', 'feeds/all.xml', 'site/_static/s.css', 'site/index.html']);
  assert.equal(readFileSync(path.join(work, 'site/index.html'), 'utf8'), '<p>old</p>\n', 'files stay on disk');
  // Unchanged files: no new snapshot.
  const again = await publishDerived({ repo: work, paths: ['site', 'feeds'], message: 'site', remote: 'origin', branch: 'site' });
  assert.equal(again.committed, false);
  // A changed file: the snapshot is replaced, still one commit, and the helper ref is gone.
  writeFileSync(path.join(work, 'site/index.html'), '<p>new</p>\n');
  const third = await publishDerived({ repo: work, paths: ['site', 'feeds'], message: 'site 2', remote: 'origin', branch: 'site' });
  assert.equal(third.pushed, true);
  assert.equal(git(bare, 'rev-list', '--count', 'site').trim(), '1');
  assert.equal(git(bare, 'show', 'site:site/index.html'), '<p>new</p>\n');
  assert.doesNotMatch(git(bare, 'for-each-ref'), /incoming/);
});
