/** The CLI's other verbs, through the real binary: inspect, demo. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cli, rss, snapshot, startFeedServer, tempDir } from './harness.js';

const FEED = rss('VOA', [
  { title: '标题一', link: '/a/1.html', guid: 'g1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: '<p>正文<script>alert(1)</script></p>\n<p>第二段</p><img src="/img/1.jpg">' },
  { title: '标题二', link: 'https://news.example/a/2.html', body: '<p>没有日期</p>' },
]);

test('inspect --json prints exactly the documented shape, with the cleaned body as archived', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'feed.xml'), FEED);
  const r = await cli(['inspect', 'feed.xml', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['feed', 'items']);
  assert.deepEqual(Object.keys(out.feed), ['title', 'link', 'format']);
  assert.equal(out.feed.format, 'rss');
  assert.equal(out.feed.title, 'VOA');
  assert.equal(out.items.length, 2);
  for (const it of out.items) {
    assert.deepEqual(Object.keys(it), ['guid', 'title', 'link', 'published', 'updated', 'author', 'contentHtml', 'summary']);
    for (const v of Object.values(it)) assert.ok(v === null || typeof v === 'string');
  }
  const [a, b] = out.items;
  assert.equal(a.guid, 'g1');
  assert.equal(a.link, 'https://news.example/a/1.html', 'relative link resolved against the channel link');
  assert.equal(a.published, '2022-09-07T13:31:51.000Z');
  assert.ok(!a.contentHtml.includes('<script'), a.contentHtml);
  assert.ok(!a.contentHtml.includes('\n'), 'one line, as archived');
  assert.match(a.contentHtml, /images\.weserv\.nl\?url=https%3A%2F%2Fnews\.example%2Fimg%2F1\.jpg/);
  assert.equal(b.published, null);
});

test('inspect of a URL on loopback, and of unparseable input: exit 1, one line, no stack', async () => {
  const server = await startFeedServer({ '/f.xml': { body: FEED } });
  try {
    const dir = tempDir();
    const ok = await cli(['inspect', `${server.origin}/f.xml`, '--json'], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).items.length, 2);
    writeFileSync(path.join(dir, 'junk.xml'), 'this is <not> a feed &&&');
    const bad = await cli(['inspect', 'junk.xml', '--json'], dir);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /junk\.xml/);
    assert.doesNotMatch(bad.stderr, /\s+at /);
    const missing = await cli(['inspect', 'nope.xml'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.xml: cannot read \(ENOENT\)/);
  } finally {
    await server.close();
  }
});

test('demo mirrors the bundled feeds offline, twice in a row: second run 0 new, no byte changed', async () => {
  const dir = tempDir();
  const first = await cli(['demo', '--out', 'out', '--json'], dir, 120_000);
  assert.equal(first.code, 0, first.stderr + first.stdout.slice(0, 2000));
  const r1 = JSON.parse(first.stdout);
  assert.ok(r1.totals.new >= 10, `demo archived ${r1.totals.new}`);
  assert.equal(r1.totals.failed, 0);
  const archive = path.join(dir, 'out');
  assert.ok(readdirSync(path.join(archive, 'lists')).length >= 3);
  // The summary-only site came out whole (its pages were fetched), the local-images site stored its images.
  const cdt = r1.sites.find((s: { abbr: string }) => s.abbr === 'cdt');
  assert.equal(cdt.fullText.fetched, 4);
  const teacher = readFileSync(path.join(archive, 'articles/cdt/1048574.md'), 'utf8');
  assert.match(teacher, /这篇文章在社交媒体上被大量转发，随后被删除。/);
  assert.doesNotMatch(teacher, /页脚信息|侧栏链接/);
  const dw = r1.sites.find((s: { abbr: string }) => s.abbr === 'dw');
  assert.equal(dw.images.stored, 2);
  assert.match(readFileSync(path.join(archive, 'articles/dw/1048574.md'), 'utf8'), /<img src="\.\.\/\.\.\/assets\/dw\/[0-9a-f]{16}\.png"/);
  // The hostile demo item was cleaned.
  for (const f of readdirSync(path.join(archive, 'articles/voa'))) assert.doesNotMatch(readFileSync(path.join(archive, 'articles/voa', f), 'utf8'), /<script|onerror|javascript:/);
  const before = snapshot(archive);
  const second = await cli(['demo', '--out', 'out', '--json'], dir, 120_000);
  assert.equal(second.code, 0, second.stderr);
  const r2 = JSON.parse(second.stdout);
  assert.equal(r2.totals.new, 0);
  assert.equal(r2.totals.updated, 0);
  assert.deepEqual(snapshot(archive), before);
  const human = await cli(['demo', '--out', 'out'], dir, 120_000);
  assert.match(human.stdout, /0 new, 0 updated/);
  assert.match(human.stdout, /site\/index\.html/);
  // Rendered under another config (here the built-in one), the sites it does not list are named, not dropped
  // from the README silently; their files stay.
  const other = await cli(['render', '--archive', 'out', '--no-site'], dir);
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stderr, /^note: not in the config, so kept but not in lists, README or website: .*articles\/science \(\d+\)/m);
  const after = snapshot(archive);
  const articles = [...before].filter(([rel]) => rel.startsWith('articles/'));
  assert.ok(articles.some(([rel]) => rel.startsWith('articles/science/')));
  for (const [rel, hash] of articles) assert.equal(after.get(rel), hash, rel);
});
