/**
 * Issue 15: the website keeps article pages for the newest `site.pagesPerSite` articles of each site only; older
 * articles are listed and found by search as links to the Git host's rendering of their Markdown. Through the
 * real CLI, over a loopback feed.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { querySearchIndex } from '../../src/search/index.js';
import { cli, rss, snapshot, startFeedServer, tempDir, writeConfig, type ItemSpec } from '../pipeline/harness.js';

const SOURCE = 'https://git.example/owner/mirror/blob/main/';

function items(from: number, to: number): ItemSpec[] {
  const out: ItemSpec[] = [];
  for (let i = to; i >= from; i--) {
    out.push({
      title: `窗口测试第${i}篇`,
      link: `https://news.example/w/${i}`,
      guid: `w-${i}`,
      pubDate: new Date(Date.UTC(2024, 0, 1, i)).toUTCString(),
      body: `<p>第${i}篇报道，关于气候变化的长篇文字，内容${i}。</p>`,
    });
  }
  return out;
}

const pages = (siteDir: string) =>
  readdirSync(path.join(siteDir, 'voa'))
    .filter((f) => /^\d+\.html$/.test(f))
    .sort();

/** Article links of a list page: [title, href]. */
function listLinks(html: string): [string, string][] {
  return [...html.matchAll(/<li><span class="date">[^<]*<\/span><a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[2]!, m[1]!.replace(/&amp;/g, '&')]);
}

test('a small window: old article pages go, lists and search link to the source URL, a no-op run writes nothing', async () => {
  const server = await startFeedServer({ '/voa.xml': { body: rss('VOA', items(1, 8)) } });
  const dir = tempDir();
  try {
    writeConfig(dir, [{ name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` }], `site: {pagesPerSite: 3, sourceUrl: "${SOURCE}"}`);
    const archive = path.join(dir, 'archive');
    const siteDir = path.join(archive, 'site');
    const run = async () => {
      const r = await cli(['run', '--no-progress'], dir);
      assert.equal(r.code, 0, r.stderr + r.stdout);
    };
    await run();
    const mdFiles = readdirSync(path.join(archive, 'articles', 'voa')).filter((f) => f.endsWith('.md'));
    assert.equal(mdFiles.length, 8);
    assert.equal(pages(siteDir).length, 3, 'pages for the newest 3 only');

    const check = (total: number) => {
      const front = listLinks(readFileSync(path.join(siteDir, 'voa', 'index.html'), 'utf8'));
      assert.equal(front.length, total);
      front.forEach(([title, href], i) => {
        if (i < 3) assert.match(href, /^\d+\.html$/, `${title} has a page`);
        else assert.ok(href.startsWith(`${SOURCE}articles/voa/`) && href.endsWith('.md'), `${title} links its Markdown: ${href}`);
      });
      // Every listed page exists, every Markdown link names a real article file, and no other page is left.
      const own = front.filter(([, h]) => !h.startsWith('https://')).map(([, h]) => h);
      assert.deepEqual(own.sort(), pages(siteDir));
      for (const [, h] of front.filter(([, h]) => h.startsWith(SOURCE))) assert.ok(existsSync(path.join(archive, decodeURIComponent(h.slice(SOURCE.length)))), h);
      // The oldest page links the first article past the window to its Markdown.
      const edge = readFileSync(path.join(siteDir, 'voa', front[2]![1]), 'utf8');
      assert.ok(edge.includes(`href="${front[3]![1]}" rel="next"`), 'the window edge links on to the Markdown');
      // The index's latest list agrees.
      const latest = listLinks(readFileSync(path.join(siteDir, 'index.html'), 'utf8'));
      assert.deepEqual(
        latest.map(([, h]) => h),
        front.map(([, h]) => (h.startsWith('https://') ? h : `voa/${h}`)),
      );
      // Search: every article is found, the newest three at their pages, the rest at the source URL.
      const hits = querySearchIndex(siteDir, '气候变化').hits;
      assert.equal(hits.length, total);
      const byTitle = new Map(hits.map((h) => [h.title, h.url]));
      for (const [title, href] of front) assert.equal(byTitle.get(title), href.startsWith('https://') ? href : `voa/${href}`, title);
    };
    check(8);
    const before = pages(siteDir);

    // Two new articles push two pages out of the window (an incremental render).
    server.routes.set('/voa.xml', { body: rss('VOA', items(1, 10)) });
    await run();
    check(10);
    assert.equal(pages(siteDir).filter((p) => before.includes(p)).length, 1, 'two of the three old pages are gone');

    // Nothing new: not a byte changes anywhere in the archive or its website.
    const snap = snapshot(archive);
    await run();
    assert.deepEqual(snapshot(archive), snap);

    // A takedown removes the newest article: the window moves back and the first article past it gets its page
    // again, in lists and search.
    const newest = listLinks(readFileSync(path.join(siteDir, 'voa', 'index.html'), 'utf8'))[0]![1].replace(/\.html$/, '');
    const red = await cli(['redact', `voa/${newest}`, '--remove', '--reason', 'test'], dir);
    assert.equal(red.code, 0, red.stderr + red.stdout);
    check(9);

    // The incremental website equals a whole render from scratch (search ids aside: they are allocated in order).
    const fresh = path.join(dir, 'fresh');
    cpSync(archive, fresh, { recursive: true });
    rmSync(path.join(fresh, 'site'), { recursive: true, force: true });
    rmSync(path.join(fresh, '.newsmirror'), { recursive: true, force: true });
    const r = await cli(['render', '--archive', fresh], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => k.startsWith('site/') && !k.startsWith('site/search/')));
    assert.deepEqual(strip(snapshot(fresh)), strip(snapshot(archive)));
    check(9);
  } finally {
    await server.close();
  }
});

test('without site.sourceUrl, old articles link to their Markdown file relatively', async () => {
  const server = await startFeedServer({ '/voa.xml': { body: rss('VOA', items(1, 4)) } });
  const dir = tempDir();
  try {
    writeConfig(dir, [{ name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` }], 'site: {pagesPerSite: 1}');
    const r = await cli(['run', '--no-progress'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const siteDir = path.join(dir, 'archive', 'site');
    assert.equal(pages(siteDir).length, 1);
    const front = listLinks(readFileSync(path.join(siteDir, 'voa', 'index.html'), 'utf8'));
    for (const [, href] of front.slice(1)) {
      assert.match(href, /^\.\.\/\.\.\/articles\/voa\/.+\.md$/);
      assert.ok(existsSync(path.resolve(siteDir, 'voa', href)), href);
    }
    for (const h of querySearchIndex(siteDir, '气候变化').hits.slice(1)) assert.ok(existsSync(path.resolve(siteDir, h.url)), h.url);
  } finally {
    await server.close();
  }
});
