/** The CLI's other verbs, through the real binary: inspect, demo. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
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

const SAMPLE = fileURLToPath(new URL('../fixtures/real-archive/articles/', import.meta.url));
const DEMO_FEEDS = fileURLToPath(new URL('../../demo/feeds/', import.meta.url));

/** The head of an archived article: title, link, date (its timestamp line, or the 日期 line of the older shape). */
function head(text: string): { title: string; link: string; date: number } {
  const m = /^(?:<!--(\d+)-->\n)?\[([\s\S]*?)\]\((\S+?)\)\n------\n(?:日期：([^\n]+)\n)?/.exec(text);
  assert.ok(m, text.slice(0, 200));
  // Titles compared as a run writes them: white space collapsed, zero-width characters dropped.
  return { title: m[2]!.replace(/[\u200B-\u200D\uFEFF]/g, '').replace(/\s+/g, ' ').trim(), link: new URL(m[3]!).href, date: m[1] ? Number(m[1]) : Date.parse(m[4]!) };
}

test('demo mirrors real articles of four outlets offline, twice in a row: second run 0 new, no byte changed', async () => {
  // The real sample, by link: every demo article must be one of these, with the same title and date.
  const real = new Map<string, { title: string; date: number; text: string }[]>();
  for (const folder of readdirSync(SAMPLE)) {
    for (const f of readdirSync(path.join(SAMPLE, folder))) {
      const text = readFileSync(path.join(SAMPLE, folder, f), 'utf8');
      const h = head(text);
      real.set(h.link, [...(real.get(h.link) ?? []), { title: h.title, date: h.date, text }]);
    }
  }
  const bundled = Object.fromEntries(['voa', 'bbc', 'dw', 'cdt'].map((abbr) => [abbr, readFileSync(path.join(DEMO_FEEDS, `${abbr}.xml`), 'utf8').split('<item>').length - 1]));

  const dir = tempDir();
  const first = await cli(['demo', '--out', 'out', '--json'], dir, 120_000);
  assert.equal(first.code, 0, first.stderr + first.stdout.slice(0, 2000));
  const r1 = JSON.parse(first.stdout);
  assert.equal(r1.totals.failed, 0);
  // Four Chinese outlets, every bundled item archived; no English test feed among them.
  assert.deepEqual(r1.sites.map((s: { abbr: string }) => s.abbr).sort(), ['bbc', 'cdt', 'dw', 'voa']);
  for (const s of r1.sites as { abbr: string; new: number }[]) assert.equal(s.new, bundled[s.abbr], s.abbr);
  assert.ok(r1.totals.new >= 200, `demo archived ${r1.totals.new}`);
  const archive = path.join(dir, 'out');
  assert.deepEqual(readdirSync(path.join(archive, 'articles')).sort(), ['bbc', 'cdt', 'dw', 'voa']);
  assert.equal(readdirSync(path.join(archive, 'lists')).length, 4);

  // Every article is a real one: its link, title and date are those of a file in the sample.
  let checked = 0;
  for (const abbr of ['voa', 'bbc', 'dw', 'cdt']) {
    for (const f of readdirSync(path.join(archive, 'articles', abbr))) {
      const h = head(readFileSync(path.join(archive, 'articles', abbr, f), 'utf8'));
      const versions = real.get(h.link);
      assert.ok(versions, `${abbr}/${f}: ${h.link} is not in the real sample`);
      assert.ok(versions.some((v) => v.title === h.title && v.date === h.date), `${abbr}/${f}: ${h.title} @ ${h.date}`);
      checked++;
    }
  }
  assert.equal(checked, r1.totals.new);

  // The teaser-only site came out whole: its pages were fetched (mapped to loopback), the archive keeps the
  // real links, and the text is the article's, without the page's navigation, sidebar or footer.
  const cdt = r1.sites.find((s: { abbr: string }) => s.abbr === 'cdt');
  assert.equal(cdt.fullText.fetched, bundled.cdt);
  assert.equal(cdt.fullText.fallback, 0);
  for (const f of readdirSync(path.join(archive, 'articles/cdt'))) {
    const text = readFileSync(path.join(archive, 'articles/cdt', f), 'utf8');
    assert.match(head(text).link, /^https:\/\/chinadigitaltimes\.net\/chinese\//);
    assert.doesNotMatch(text, /127\.0\.0\.1|热门文章|分享到：推特|China Digital Times ·/, f);
  }
  const jiaoliu = readdirSync(path.join(archive, 'articles/cdt')).map((f) => readFileSync(path.join(archive, 'articles/cdt', f), 'utf8')).find((t) => t.includes('苟晶'));
  assert.ok(jiaoliu && jiaoliu.length > 5000, 'a long CDT article is archived whole, not as its teaser');
  for (const f of readdirSync(path.join(archive, 'articles/voa'))) assert.doesNotMatch(readFileSync(path.join(archive, 'articles/voa', f), 'utf8'), /<script|onerror|javascript:/);

  // The daily digests of every day of the demo's (years-old) archive, each an EPUB and one HTML file, listed
  // on the digests page: one day per date the articles carry.
  const digests = path.join(archive, 'site', 'digests');
  const days = new Set<string>();
  for (const abbr of ['voa', 'bbc', 'dw', 'cdt']) {
    for (const f of readdirSync(path.join(archive, 'articles', abbr))) {
      // The day in GMT+8, the archive's time zone.
      days.add(new Date(head(readFileSync(path.join(archive, 'articles', abbr, f), 'utf8')).date + 8 * 3_600_000).toISOString().slice(0, 10));
    }
  }
  assert.ok(days.size >= 5, `${days.size} days`);
  const page = readFileSync(path.join(digests, 'index.html'), 'utf8');
  for (const day of days) {
    const base = path.join(digests, day.slice(0, 4), day.slice(5, 7), day);
    assert.equal(readFileSync(`${base}.epub`).subarray(0, 2).toString(), 'PK', `${day}.epub is a zip`);
    assert.match(readFileSync(`${base}.html`, 'utf8'), /<article id=/, `${day}.html has articles`);
    assert.ok(page.includes(`${day}.epub`) && page.includes(`${day}.html`), `${day} listed on the digests page`);
  }

  const before = snapshot(archive);
  assert.equal([...before.keys()].filter((rel) => rel.startsWith('site/digests/')).length, days.size * 2 + 1, 'an EPUB and an HTML file a day, and the page');
  const second = await cli(['demo', '--out', 'out', '--json'], dir, 120_000);
  assert.equal(second.code, 0, second.stderr);
  const r2 = JSON.parse(second.stdout);
  assert.equal(r2.totals.new, 0);
  assert.equal(r2.totals.updated, 0);
  assert.deepEqual(snapshot(archive), before);
  const human = await cli(['demo', '--out', 'out'], dir, 120_000);
  assert.match(human.stdout, /0 new, 0 updated/);
  assert.match(human.stdout, /site\/index\.html/);
  assert.match(human.stdout, /site\/digests\/index\.html +daily digests .*, \d+ days/);
  assert.deepEqual(snapshot(archive), before);
  // Rendered under a config that lists only one of its sites, the others are named, not dropped from the
  // README silently; their files stay.
  writeFileSync(path.join(dir, 'only-voa.yaml'), 'archive: out\nsites:\n  - name: 美国之音\n    abbr: voa\n    feed: https://feedx.net/rss/mgzy1.xml\n');
  const other = await cli(['render', '--config', 'only-voa.yaml', '--no-site'], dir);
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stderr, /^note: not in the config, so kept but not in lists, README or website: .*articles\/cdt \(\d+\)/m);
  const after = snapshot(archive);
  const articles = [...before].filter(([rel]) => rel.startsWith('articles/'));
  assert.ok(articles.some(([rel]) => rel.startsWith('articles/cdt/')));
  for (const [rel, hash] of articles) assert.equal(after.get(rel), hash, rel);
});
