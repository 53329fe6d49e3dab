/**
 * Simulated hours, from the YAML itself: the workflow `newsmirror init` writes, run by the Actions simulator
 * (checkout = fresh clone of a bare remote, cache = a cache folder, the action = its composite steps from
 * action.yml), against loopback feeds that change each hour. After each hour the bare remote is checked.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseArticleFile } from '../../src/archive/index.js';
import { defaultActionRef } from '../../src/publish/index.js';
import { ROOT, cli, rss, startFeedServer, tempDir, type ItemSpec } from '../pipeline/harness.js';
import { runJob } from './actions-sim.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=maintainer', '-c', 'user.email=m@example.org', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
const SITES = [
  { name: '模拟甲', abbr: 'sa' },
  { name: '模拟乙', abbr: 'sb' },
  { name: '模拟丙', abbr: 'sc' },
];
const FIRST_ID = 1048574;

/** The action's checkout as Actions would have it: the files its install and build need. */
function actionCheckout(dir: string): string {
  for (const f of ['action.yml', 'package.json', 'npm-shrinkwrap.json', 'tsconfig.json', 'bin', 'src', 'demo']) cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  return dir;
}

/**
 * Bytes an hour's pushes sent: the thin packs git push builds for them, rebuilt on the remote from the refs
 * before and after (the site branch's with the helper commit whose parent is the previous snapshot, as
 * publishDerived sends it). Pack files the remote stores are no measure: it completes thin packs.
 */
function pushedBytes(bare: string, before: { main: string | null; site: string | null }, after: { main: string | null; site: string | null }): number {
  const pack = (input: string) => execFileSync('git', ['pack-objects', '--revs', '--thin', '--stdout', '-q'], { cwd: bare, input, maxBuffer: 1 << 28 }).length;
  let n = 0;
  if (after.main && after.main !== before.main) n += pack(`${after.main}\n${before.main ? `^${before.main}\n` : ''}`);
  if (after.site && after.site !== before.site) {
    if (!before.site) n += pack(`${after.site}\n`);
    else n += pack(`${git(bare, 'commit-tree', `${after.site}^{tree}`, '-p', before.site, '-m', 'helper').trim()}\n${after.site}\n^${before.site}\n`);
  }
  return n;
}

function ref(bare: string, name: string): string | null {
  try {
    return git(bare, 'rev-parse', '--verify', '--quiet', name).trim();
  } catch {
    return null;
  }
}

test('simulated hours: three in a row, a cache miss, another clone pushing first, an hour with nothing new', { timeout: 900_000 }, async () => {
  const base = tempDir('nm-hours-');
  const bare = path.join(base, 'remote.git');
  git(base, 'init', '--quiet', '--bare', '-b', 'main', bare);
  const served = new Map<string, ItemSpec[]>(SITES.map((s) => [s.abbr, []]));
  const server = await startFeedServer();
  const serve = () => {
    for (const [abbr, items] of served) server.routes.set(`/${abbr}.xml`, { body: rss(abbr, items.slice(-12)) });
  };
  let n = 0;
  const addItems = (hour: number, perSite: number) => {
    for (const [abbr, items] of served) {
      for (let k = 0; k < perSite; k++, n++) {
        const t = Date.UTC(2026, 10, 1, hour, k * 5);
        items.push({ title: `${abbr} 第${hour}时 新闻${k}`, link: `https://news.example/${abbr}/${n}`, guid: `${abbr}-${n}`, pubDate: new Date(t).toUTCString(), body: `<p>${`第${n}篇的正文。`.repeat(40)}</p>` });
      }
    }
  };

  try {
    // The maintainer's set-up, as docs/DEPLOY.md says: init, point the config at the sites, push.
    const setup = path.join(base, 'setup');
    git(base, 'clone', '--quiet', bare, setup);
    const init = await cli(['init', setup], ROOT);
    assert.equal(init.code, 0, init.stderr);
    const workflowText = readFileSync(path.join(setup, '.github/workflows/newsmirror.yml'), 'utf8');
    const config = [
      'archive: .',
      'allowPrivateNetworks: true   # the test sites are on 127.0.0.1',
      'fullText: never',
      'fetch: {timeoutSeconds: 5, retries: 1}',
      'sites:',
      ...SITES.map((s) => `  - {name: ${s.name}, abbr: ${s.abbr}, feed: "${server.origin}/${s.abbr}.xml"}`),
      '',
    ].join('\n');
    writeFileSync(path.join(setup, 'newsmirror.yaml'), config);
    git(setup, 'add', '-A');
    git(setup, 'commit', '--quiet', '-m', 'set up the mirror');
    git(setup, 'push', '--quiet', 'origin', 'HEAD:main');

    const actionDir = actionCheckout(path.join(base, 'actions', 'newsmirror'));
    const cacheDir = path.join(base, 'cache');
    const table: string[] = ['hour | what | new | updated | main commit | site commit | push bytes | wall s'];
    const everLinks = new Map<string, Set<string>>(SITES.map((s) => [s.abbr, new Set()]));
    const lastIds = new Map<string, number>(SITES.map((s) => [s.abbr, FIRST_ID + 1]));
    const seenIds = new Map<string, Set<number>>(SITES.map((s) => [s.abbr, new Set()]));
    let editedId: { abbr: string; id: number } | null = null;

    const hour = async (h: number, what: string, opts: { before?: () => void; otherPush?: boolean; expectChange: boolean }) => {
      opts.before?.();
      serve();
      const main0 = ref(bare, 'main');
      const site0 = ref(bare, 'site');
      const t0 = performance.now();
      let otherCommit: string | null = null;
      const job = await runJob(workflowText, 'mirror', {
        remote: bare,
        cacheDir,
        runnerDir: path.join(base, 'runner'),
        actions: { [defaultActionRef()]: actionDir },
        runId: 1000 + h,
        beforeStep: (i, step) => {
          // Another clone pushes while this job runs (after its checkout): its push must rebase.
          if (opts.otherPush && step.uses === defaultActionRef()) {
            const other = path.join(base, `other-${h}`);
            git(base, 'clone', '--quiet', bare, other);
            writeFileSync(path.join(other, 'NOTES.md'), `维护者的笔记 ${h}\n`);
            git(other, 'add', 'NOTES.md');
            git(other, 'commit', '--quiet', '-m', 'maintainer: notes');
            git(other, 'push', '--quiet', 'origin', 'main');
            otherCommit = git(other, 'rev-parse', 'HEAD').trim();
          }
        },
      });
      const wall = (performance.now() - t0) / 1000;
      const main1 = ref(bare, 'main')!;
      const site1 = ref(bare, 'site');
      const mainCommits = main0 ? Number(git(bare, 'rev-list', '--count', `${main0}..${main1}`).trim()) : 1;
      const newsmirrorCommit = mainCommits - (otherCommit ? 1 : 0) > 0;
      const report = /(\d+) new, (\d+) updated/.exec(job.log);
      // What this job's pushes sent (the other clone's push is its own, counted out).
      const bytes = pushedBytes(bare, { main: otherCommit ?? main0, site: site0 }, { main: main1, site: site1 });
      if (h > 1 && opts.expectChange) {
        // Only what changed travels: far less than the website's snapshot (a parentless commit alone sends it all).
        const snapshot = execFileSync('git', ['pack-objects', '--revs', '--stdout', '-q'], { cwd: bare, input: 'site\n', maxBuffer: 1 << 28 }).length;
        assert.ok(bytes < snapshot / 2, `hour ${h}: pushed ${bytes} bytes, the website snapshot packs to ${snapshot}`);
      }
      assert.ok(!git(bare, 'for-each-ref').includes('incoming'), 'the helper ref is gone');
      table.push(`${h} | ${what} | ${report?.[1] ?? '?'} | ${report?.[2] ?? '?'} | ${newsmirrorCommit ? 'yes' : 'no'} | ${site0 !== site1 ? 'replaced' : 'same'} | ${bytes} | ${wall.toFixed(1)}`);

      // The remote, as a reader's clone sees it.
      const check = path.join(base, `check-${h}`);
      git(base, 'clone', '--quiet', '--branch', 'main', bare, check);
      if (otherCommit) {
        assert.equal(git(check, 'merge-base', '--is-ancestor', otherCommit, 'HEAD').trim(), '', 'the other clone\'s commit is kept (rebased onto)');
        assert.equal(readFileSync(path.join(check, 'NOTES.md'), 'utf8'), `维护者的笔记 ${h}\n`);
      }
      assert.equal(newsmirrorCommit, opts.expectChange, `hour ${h}: a commit only when something changed`);
      assert.equal(site0 !== site1, opts.expectChange || site0 === null, `hour ${h}: the site branch is replaced only when something changed`);
      assert.equal(git(bare, 'rev-list', '--count', 'site').trim(), '1', 'the site branch holds one commit');
      const tracked = git(check, 'ls-files');
      assert.doesNotMatch(tracked, /^(site|feeds)\//m, 'no derived output on main');
      assert.doesNotMatch(tracked, /^\.newsmirror\//m);
      const readme = readFileSync(path.join(check, 'README.md'), 'utf8');
      const allFeed = git(bare, 'show', 'site:feeds/all.xml');
      for (const s of SITES) {
        const dir = path.join(check, 'articles', s.abbr);
        const files = git(check, 'ls-files', `articles/${s.abbr}`).trim().split('\n').filter(Boolean);
        const ids = files.map((f) => Number(path.basename(f, '.md'))).sort((a, b) => b - a);
        const links = files.map((f) => parseArticleFile(readFileSync(path.join(check, f), 'utf8'), f).link);
        // Every story exactly once: each link served so far, one file each.
        for (const it of served.get(s.abbr)!) everLinks.get(s.abbr)!.add(it.link);
        assert.equal(new Set(links).size, links.length, `hour ${h}: ${s.abbr} has a story twice`);
        assert.deepEqual([...links].sort(), [...everLinks.get(s.abbr)!].sort(), `hour ${h}: ${s.abbr} stores each served story`);
        // Ids continue: one unbroken run down from the first id; this hour's are below the last hour's.
        assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => FIRST_ID - i), `hour ${h}: ${s.abbr} ids`);
        const fresh = ids.filter((id) => !seenIds.get(s.abbr)!.has(id));
        assert.ok(fresh.every((id) => id < lastIds.get(s.abbr)!), `hour ${h}: ${s.abbr}'s new ids continue below the last ones`);
        for (const id of ids) seenIds.get(s.abbr)!.add(id);
        lastIds.set(s.abbr, Math.min(...ids));
        // The list names every article, the README its count, the site's feeds every article.
        const list = readFileSync(path.join(check, 'lists', `${s.name}.md`), 'utf8');
        const listed = [...list.matchAll(/\]\(\/articles\/[^/]+\/(\d+)\.md\)/g)].map((m) => Number(m[1])).sort((a, b) => b - a);
        assert.deepEqual(listed, ids, `hour ${h}: lists/${s.name}.md`);
        assert.match(readme, new RegExp(`\\[${s.name}\\]\\(lists/[^)]+\\) — ${ids.length} 篇`), `hour ${h}: README count of ${s.name}`);
        const feed = git(bare, 'show', `site:feeds/${s.abbr}.xml`);
        const inFeed = [...feed.matchAll(new RegExp(`urn:newsmirror:${s.abbr}:(\\d+)`, 'g'))].map((m) => Number(m[1])).sort((a, b) => b - a);
        assert.deepEqual(inFeed, ids, `hour ${h}: feeds/${s.abbr}.xml`);
        for (const id of ids) assert.match(allFeed, new RegExp(`urn:newsmirror:${s.abbr}:${id}<`));
        // The story edited at the source is rewritten in place (same id, new text).
        if (editedId && editedId.abbr === s.abbr) assert.match(readFileSync(path.join(dir, `${editedId.id}.md`), 'utf8'), /更正后的正文/);
      }
      const siteFiles = git(bare, 'ls-tree', '-r', '--name-only', 'site');
      for (const s of SITES) assert.match(siteFiles, new RegExp(`^site/${s.abbr}/${lastIds.get(s.abbr)}\\.html$`, 'm'), `hour ${h}: the newest page of ${s.abbr}`);
      return job;
    };

    addItems(1, 3);
    const h1 = await hour(1, 'first run', { expectChange: true });
    assert.equal(h1.cache[0]?.restored, null);
    assert.equal(h1.cache[0]?.saved, true);
    addItems(2, 2);
    const h2 = await hour(2, 'cache hit', { expectChange: true });
    assert.equal(h2.cache[0]?.restored, 'newsmirror-1001');
    addItems(3, 2);
    // The source edits its oldest story of site sa: an update, same id.
    const first = served.get('sa')![0]!;
    first.body = `<p>${'更正后的正文。'.repeat(40)}</p>`;
    editedId = { abbr: 'sa', id: FIRST_ID };
    await hour(3, 'new + edited', { expectChange: true });
    addItems(4, 2);
    const h4 = await hour(4, 'cache miss', { before: () => rmSync(cacheDir, { recursive: true, force: true }), expectChange: true });
    assert.equal(h4.cache[0]?.restored, null, 'nothing to restore: the index is rebuilt from the files');
    addItems(5, 2);
    await hour(5, 'other clone pushed first', { otherPush: true, expectChange: true });
    await hour(6, 'nothing new', { expectChange: false });
    process.stderr.write(`simulated hours:\n${table.join('\n')}\n`);
    mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(path.join(ROOT, 'test-artifacts', 'hours.txt'), table.join('\n') + '\n');
  } finally {
    await server.close();
  }
});
