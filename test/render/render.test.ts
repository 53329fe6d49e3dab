/** The mirror's own feeds parse back; the website is deterministic, escaped, paginated; serve refuses traversal. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Parser from 'rss-parser';
import { parseFeed } from '../../src/parse/index.js';
import { renderFeeds, renderSite, serveSite } from '../../src/render/index.js';
import { querySearchIndex } from '../../src/search/index.js';
import { tempDir } from '../pipeline/harness.js';
import { makeSource } from './source.js';

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const f = path.join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else out[path.relative(root, f)] = createHash('sha256').update(readFileSync(f)).digest('hex');
    }
  };
  walk(root);
  return out;
}

test('feeds: Atom 1.0, newest 50, full content, links to the mirrored copy and the source; they parse back', async () => {
  const archive = tempDir();
  const { src } = makeSource();
  const opts = { archive, siteDir: path.join(archive, 'site'), baseUrl: 'https://mirror.example/site', tzOffsetMinutes: 480 };
  const r = await renderFeeds(src, opts);
  assert.equal(r.written, 4);
  const xml = readFileSync(path.join(archive, 'feeds/voa.xml'), 'utf8');
  const ours = parseFeed(xml, { url: 'https://mirror.example/feeds/voa.xml' });
  assert.equal(ours.format, 'atom');
  assert.equal(ours.items.length, 50);
  assert.equal(ours.items[0]!.link, 'https://mirror.example/site/voa/1048575.html');
  assert.equal(ours.items[0]!.title, '气候新闻：美国之音第1篇 <b>&"标题"</b>');
  assert.match(ours.items[0]!.contentHtml!, /美国之音第1篇关于气候的报道/);
  const theirs = await new Parser().parseString(readFileSync(path.join(archive, 'feeds/all.xml'), 'utf8'));
  assert.equal(theirs.items.length, 50);
  const times = theirs.items.map((i) => Date.parse(i.isoDate!));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first across sites');
  assert.match(xml, /<link rel="via" href="https:\/\/news\.example\/voa\/0"\/>/);
  assert.equal((await renderFeeds(src, opts)).written, 0, 'unchanged input writes nothing');
});

test('site: deterministic bytes, escaped titles, pagination, prev/next, no third-party assets', async () => {
  const { src } = makeSource(120);
  const a = tempDir();
  const b = tempDir();
  const optsA = { archive: a, siteDir: path.join(a, 'site'), baseUrl: null, tzOffsetMinutes: 480 };
  const optsB = { archive: b, siteDir: path.join(b, 'site'), baseUrl: null, tzOffsetMinutes: 480 };
  await renderSite(src, optsA);
  await renderSite(src, optsB);
  const ta = tree(optsA.siteDir);
  assert.deepEqual(ta, tree(optsB.siteDir), 'same input, same bytes');
  assert.ok(ta['voa/page/3.html'] && !ta['voa/page/4.html'], '120 articles / 50 per page = 3 pages');
  const article = readFileSync(path.join(optsA.siteDir, 'voa/1048574.html'), 'utf8');
  assert.ok(article.includes('&lt;b&gt;&amp;&quot;标题&quot;&lt;/b&gt;'), 'titles are escaped');
  assert.ok(!/<b>&"标题"/.test(article));
  assert.match(article, /href="1048575\.html" rel="prev"/);
  assert.match(article, /href="1048573\.html" rel="next"/);
  assert.match(article, /2024-11-01 07:00 \(GMT\+8\)/);
  for (const [rel] of Object.entries(ta)) {
    if (!rel.endsWith('.html')) continue;
    const html = readFileSync(path.join(optsA.siteDir, rel), 'utf8');
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const u = m[1]!;
      const external = /^https?:/.test(u);
      assert.ok(!external || /^https:\/\/news\.example\//.test(u), `${rel}: only source links leave the site: ${u}`);
    }
  }
  const again = await renderSite(src, optsA);
  assert.equal(again.written, 0, 're-render writes nothing');
  // Pages are trusted by folder: a site folder that was removed is rendered again, the rest is left alone.
  rmSync(path.join(optsA.siteDir, 'bbc'), { recursive: true });
  const healed = await renderSite(src, optsA);
  assert.equal(healed.written, readdirSync(path.join(optsA.siteDir, 'bbc'), { recursive: true }).filter((f) => String(f).endsWith('.html')).length);
  assert.deepEqual(tree(optsA.siteDir), ta, 'the same bytes as before');
});

test('a render after changes writes only what they touch, and the site equals a whole render from scratch', async () => {
  const t = makeSource(120);
  const dir = tempDir();
  const opts = { archive: dir, siteDir: path.join(dir, 'site'), baseUrl: null, tzOffsetMinutes: 480 };
  const first = await renderSite(t.src, opts);
  assert.ok(first.written > 360, 'the first render writes everything');
  assert.equal((await renderSite(t.src, opts)).written, 0, 'nothing changed: nothing written');
  // New articles filling the last list page and opening new ones, an edit deep in the history, new articles on a
  // site whose last page was exactly full.
  const sameAsWhole = async (why: string) => {
    const fresh = tempDir();
    await renderSite(t.src, { ...opts, archive: fresh, siteDir: path.join(fresh, 'site') });
    // The search index is log-structured (its segments depend on the order articles came in), so it is compared
    // by its answers; every other file byte for byte.
    const pages = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith(`search${path.sep}`)));
    assert.deepEqual(pages(tree(opts.siteDir)), pages(tree(path.join(fresh, 'site'))), `byte for byte the site a whole render makes: ${why}`);
    for (const q of ['麒麟', '氣候', '经济 BBC', '法广', '标题']) {
      const urls = (d: string) => querySearchIndex(d, q).hits.map((h) => h.url).sort();
      assert.deepEqual(urls(opts.siteDir), urls(path.join(fresh, 'site')), `search ${q}: ${why}`);
    }
  };
  t.add('voa', 7);
  t.edit('bbc', 0xfffff - 63, '更正后的标题：麒麟出没');
  t.add('rfi', 30); // 150 articles: the last list page is now exactly full
  const incremental = await renderSite(t.src, opts);
  assert.ok(incremental.written > 0 && incremental.written < 120, `only what changed is written (${incremental.written})`);
  await sameAsWhole('new articles and an edit');
  t.add('rfi', 45); // opens page 4: page 3 now links to it
  t.add('voa', 1);
  const again = await renderSite(t.src, opts);
  assert.ok(again.written < 120, `only what changed is written (${again.written})`);
  await sameAsWhole('a new list page');
  // Pages are numbered from the oldest: page 1 holds the 50 oldest articles and did not change.
  assert.match(readFileSync(path.join(opts.siteDir, 'voa/page/1.html'), 'utf8'), /第 1 页/);
  const rfiPages = readdirSync(path.join(opts.siteDir, 'rfi/page')).length;
  assert.equal(rfiPages, Math.ceil((120 + 75) / 50));
});

test('render with `all` restores pages deleted or edited by hand, and writes nothing else', async () => {
  const t = makeSource(60);
  const dir = tempDir();
  const opts = { archive: dir, siteDir: path.join(dir, 'site'), baseUrl: null, tzOffsetMinutes: 480 };
  await renderSite(t.src, opts);
  const before = tree(opts.siteDir);
  const page = path.join(opts.siteDir, 'voa', `${0xfffff - 5}.html`);
  const list = path.join(opts.siteDir, 'bbc', 'page', '1.html');
  rmSync(page);
  writeFileSync(list, 'defaced');
  // A run trusts its own pages by folder (a stat per page would cost a second per run at 100k articles).
  assert.equal((await renderSite(t.src, opts)).written, 0);
  assert.equal(existsSync(page), false);
  assert.equal((await renderSite(t.src, { ...opts, all: true })).written, 2, 'the two pages, nothing else');
  assert.deepEqual(tree(opts.siteDir), before);
});

test('serveSite serves the site with content types and refuses traversal', async () => {
  const dir = tempDir();
  const { src } = makeSource(5);
  await renderSite(src, { archive: dir, siteDir: path.join(dir, 'site'), baseUrl: null, tzOffsetMinutes: 480 });
  const server = await serveSite(path.join(dir, 'site'));
  try {
    const index = await fetch(server.url);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await index.text(), /美国之音/);
    assert.equal((await fetch(`${server.url}voa/`)).status, 200);
    for (const evil of ['..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/etc/passwd', 'voa/..%2f..%2f..%2fetc%2fpasswd']) {
      const r = await fetch(server.url + evil);
      assert.ok([403, 404].includes(r.status), `${evil}: ${r.status}`);
      assert.doesNotMatch(await r.text(), /root:/);
    }
  } finally {
    await server.close();
  }
});
