/**
 * Versions as files (issue 13, requirements 1, 2 and 4), through the real CLI against a loopback feed: real
 * edits of a title or a body keep the previous version under revisions/, trivial ones write nothing, a
 * flip-flop adds no third file, and two versions in one feed leave the newest in articles/.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseArticleFile } from '../../src/archive/index.js';
import { cli, rss, snapshot, startFeedServer, tempDir, writeConfig, type ItemSpec } from '../pipeline/harness.js';

const server = await startFeedServer();
after(() => server.close());

const T0 = Date.parse('2024-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const para = (s: string) => `<p>${s}</p>`;
const BODY = para('国会周二通过了一项新的预算法案，将为基础设施投入更多资金。') + para('反对者说，这项法案会增加财政赤字，并呼吁重新审议。');

let n = 0;
/** A fresh mirror of one site whose feed is `items` (changeable through the returned setter). */
function mirror(items: ItemSpec[]) {
  const route = `/feed${++n}.xml`;
  const dir = tempDir('nm-rev-');
  // The feed carries the whole text; re-checks are the recheck tests' business (test/recheck).
  writeConfig(dir, [{ name: '测试', abbr: 'test', feed: `${server.origin}${route}`, fullText: 'never' }]);
  const archive = path.join(dir, 'archive');
  const set = (list: ItemSpec[]) => server.routes.set(route, { body: rss('测试', list) });
  set(items);
  const run = async (at: number, extra: string[] = []) => {
    const r = await cli(['run', '--json', '--no-progress', '--no-recheck', '--now', iso(at), ...extra], dir);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  return { dir, archive, set, run };
}

const item = (over: Partial<ItemSpec> = {}): ItemSpec => ({
  title: '国会通过预算法案',
  link: 'https://news.example/a/1.html',
  guid: 'story-1',
  pubDate: new Date(T0 - 3600_000).toUTCString(),
  body: BODY,
  ...over,
});

function revisionFiles(archive: string): string[] {
  const root = path.join(archive, 'revisions');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const folder of readdirSync(root)) for (const id of readdirSync(path.join(root, folder))) for (const f of readdirSync(path.join(root, folder, id))) if (f.endsWith('.md')) out.push(`revisions/${folder}/${id}/${f}`);
  return out.sort();
}

const article = (archive: string) => parseArticleFile(readFileSync(path.join(archive, 'articles/test/1048574.md'), 'utf8'), 'a');
const status = (archive: string) => JSON.parse(readFileSync(path.join(archive, 'revisions/test/1048574/status.json'), 'utf8'));

async function verify(dir: string) {
  const v = await cli(['verify', '--json'], dir);
  const rep = JSON.parse(v.stdout);
  assert.deepEqual(rep.problems, []);
  assert.equal(v.code, 0);
}

test('a title edit keeps the previous version at revisions/<folder>/<id>/<first seen>.md', async () => {
  const m = mirror([item()]);
  await m.run(T0);
  const before = readFileSync(path.join(m.archive, 'articles/test/1048574.md'), 'utf8');
  m.set([item({ title: '国会否决预算法案' })]);
  const rep = await m.run(T0 + 3600_000);
  assert.equal(rep.sites[0].updated, 1);
  assert.deepEqual(revisionFiles(m.archive), [`revisions/test/1048574/${T0}.md`]);
  // The previous version, byte for byte as it was stored; the article holds the newest.
  assert.equal(readFileSync(path.join(m.archive, `revisions/test/1048574/${T0}.md`), 'utf8'), before);
  assert.equal(article(m.archive).title, '国会否决预算法案');
  const st = status(m.archive);
  assert.deepEqual(st.versions.map((v: { seen: number; file: string }) => [v.seen, v.file]), [
    [T0, `revisions/test/1048574/${T0}.md`],
    [T0 + 3600_000, 'articles/test/1048574.md'],
  ]);
  // Lists keep their line format, with the mark inside the link text.
  const list = readFileSync(path.join(m.archive, 'lists/测试.md'), 'utf8');
  assert.match(list, /^3-1 \[〔原文已修改〕国会否决预算法案\]\(\/articles\/test\/1048574\.md\)$/m);
  // The article page says so, lists the versions and shows the word diff without script.
  const page = readFileSync(path.join(m.archive, 'site/test/1048574.html'), 'utf8');
  assert.match(page, /原文已修改 \/ edited at the source/);
  assert.match(page, /<del>通过<\/del><ins>否决<\/ins>/);
  assert.doesNotMatch(page, /<script/);
  const edited = readFileSync(path.join(m.archive, 'site/edited.html'), 'utf8');
  assert.match(edited, /href="test\/1048574.html">国会否决预算法案/);
  assert.match(readFileSync(path.join(m.archive, 'feeds/edited.xml'), 'utf8'), /<title>国会否决预算法案<\/title>/);
  await verify(m.dir);
  // A run with nothing new changes nothing.
  const snap = snapshot(m.archive);
  await m.run(T0 + 7200_000);
  assert.deepEqual(snapshot(m.archive), snap);
});

test('a body edit is a revision; the diff is word by word in Chinese', async () => {
  const m = mirror([item()]);
  await m.run(T0);
  m.set([item({ body: BODY.replace('周二', '周三').replace('更多资金', '五千亿美元') })]);
  await m.run(T0 + 3600_000);
  assert.equal(revisionFiles(m.archive).length, 1);
  assert.match(article(m.archive).body, /周三/);
  const page = readFileSync(path.join(m.archive, 'site/test/1048574.html'), 'utf8');
  assert.match(page, /<del>周二<\/del><ins>周三<\/ins>/);
  assert.match(page, /<ins>五千亿美元<\/ins>/);
});

test('trivial edits write nothing: white space, tracking parameters, image proxy, relative times, attribute order', async () => {
  const body = `<p class="lead" id="x">国会周二通过了一项新的预算法案。 <a href="https://news.example/b?id=2&amp;utm_source=rss">相关报道</a></p><p>19 分钟前</p><img src="https://img.example/a.jpg" alt="图">${BODY}`;
  const m = mirror([item({ body })]);
  await m.run(T0);
  const snap = snapshot(m.archive);
  const trivial = [
    body.replace('。 <a', '。\n\n  <a'),
    body.replace('utm_source=rss', 'utm_source=twitter&amp;fbclid=abc'),
    body.replace('https://img.example/a.jpg', 'https://images.weserv.nl/?url=https%3A%2F%2Fimg.example%2Fa.jpg'),
    body.replace('19 分钟前', '3 小时前'),
    body.replace('class="lead" id="x"', 'id="x" class="lead"'),
  ];
  for (const [i, b] of trivial.entries()) {
    m.set([item({ body: b })]);
    const rep = await m.run(T0 + (i + 1) * 3600_000);
    assert.equal(rep.sites[0].updated, 0, `trivial edit ${i}`);
  }
  assert.deepEqual(revisionFiles(m.archive), []);
  assert.equal(existsSync(path.join(m.archive, 'revisions')), false);
  const after = snapshot(m.archive);
  assert.equal(after.get('articles/test/1048574.md'), snap.get('articles/test/1048574.md'));
});

test('an A→B→A flip-flop adds no third file and loses no version', async () => {
  const m = mirror([item()]);
  await m.run(T0);
  m.set([item({ title: '标题 B' })]);
  await m.run(T0 + 3600_000);
  m.set([item()]);
  await m.run(T0 + 7200_000);
  m.set([item({ title: '标题 B' })]);
  await m.run(T0 + 3 * 3600_000);
  m.set([item()]);
  await m.run(T0 + 4 * 3600_000);
  const files = revisionFiles(m.archive);
  assert.equal(files.length, 1, files.join());
  const titles = [parseArticleFile(readFileSync(path.join(m.archive, files[0]!), 'utf8'), 'r').title, article(m.archive).title].sort();
  assert.deepEqual(titles, ['国会通过预算法案', '标题 B'].sort());
  assert.ok(status(m.archive).events.some((e: { event: string }) => e.event === 'flip-flop'));
  await verify(m.dir);
});

test('two versions of a story in one feed: the newest wins, the other is a revision', async () => {
  const old = item({ pubDate: new Date(T0 - 7200_000).toUTCString() });
  const newer = item({ title: '国会修改后通过预算法案', pubDate: new Date(T0 - 600_000).toUTCString(), body: BODY.replace('周二', '周三') });
  // The old version was stored by an earlier run; the feed now carries both, the old one first.
  const m = mirror([old]);
  await m.run(T0 - 3600_000);
  m.set([old, newer]);
  const rep = await m.run(T0);
  assert.equal(rep.sites[0].updated, 1);
  assert.equal(article(m.archive).title, '国会修改后通过预算法案');
  assert.equal(revisionFiles(m.archive).length, 1);
  // Both in the first fetch: the newest is stored, the older kept as its revision, once.
  const m2 = mirror([old, newer]);
  await m2.run(T0);
  await m2.run(T0 + 3600_000);
  assert.equal(article(m2.archive).title, '国会修改后通过预算法案');
  const files = revisionFiles(m2.archive);
  assert.equal(files.length, 1);
  assert.equal(parseArticleFile(readFileSync(path.join(m2.archive, files[0]!), 'utf8'), 'r').title, '国会通过预算法案');
  assert.deepEqual(readdirSync(path.join(m2.archive, 'articles/test')), ['1048574.md']);
  await verify(m2.dir);
});

test('import rebuilds the index copy of the histories; verify names a revision file nobody lists', async () => {
  const m = mirror([item()]);
  await m.run(T0);
  m.set([item({ title: '新标题' })]);
  await m.run(T0 + 3600_000);
  rmSync(path.join(m.archive, '.newsmirror'), { recursive: true, force: true });
  const imp = await cli(['import', '--json'], m.dir);
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(JSON.parse(imp.stdout).revisions.histories, 1);
  await verify(m.dir);
  // The site still marks the story after a rebuild from the files.
  await m.run(T0 + 7200_000);
  assert.match(readFileSync(path.join(m.archive, 'lists/测试.md'), 'utf8'), /〔原文已修改〕新标题/);
  const stray = path.join(m.archive, 'revisions/test/1048574/123.md');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(stray, readFileSync(path.join(m.archive, 'articles/test/1048574.md')));
  const v = await cli(['verify', '--json'], m.dir);
  assert.equal(v.code, 1);
  assert.match(JSON.parse(v.stdout).problems.join('\n'), /123\.md: revision file not listed/);
});
