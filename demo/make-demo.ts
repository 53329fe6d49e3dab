/**
 * Regenerates the demo's bundled feeds and pages from the real archive sample (run from the repository root:
 * node --import tsx demo/make-demo.ts [OUT], OUT defaulting to demo/). Deterministic: the same sample gives the same bytes, and files a
 * previous run wrote but this one does not are removed.
 *
 * Every demo article is a real one: title, link, date and body as archived in test/fixtures/real-archive (a
 * slice of duty-machine/news). The feeds are made the way the original mirror received them:
 * - 美国之音, BBC, 德国之声: feedx.net-style RSS 2.0, the whole article in <description> (CDATA), newest first,
 *   image links to the outlets' own hosts (the archive holds them through the image proxy; that is undone
 *   here so that the demo's run routes them again, as a run does with feedx's feeds);
 * - 中国数字时代: a WordPress feed with teasers only, and one article page per post (the full text inside
 *   div.post-content, as on chinadigitaltimes.net), so the demo exercises the full-text stage. The feed links
 *   stay the real post URLs; demo/pages/index.json maps each one to its page, which the demo serves on
 *   loopback (see src/cli/demo.ts).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = path.dirname(fileURLToPath(import.meta.url));
const SAMPLE = path.resolve(DEMO, '..', 'test', 'fixtures', 'real-archive', 'articles');
/** Where to write: demo/ itself, or another directory (the test compares one with the other). */
const OUT = process.argv[2] ? path.resolve(process.argv[2]) : DEMO;

interface Article {
  /** The archive file's id (for CDT, 0xFFFFF ^ the WordPress post id). */
  id: number;
  file: string;
  title: string;
  link: string;
  date: Date;
  body: string;
}

/**
 * One archived article. Both real shapes: `<!--ms-->` / `[title](link)` / `------` / empty / body, and the
 * timestamp-less one, `[title](link)` / `------` / `日期：<RFC 822 date>` / empty / body.
 */
function readArticle(dir: string, file: string): Article {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const m = /^(?:<!--(\d+)-->\n)?\[([\s\S]*?)\]\((\S+?)\)\n------\n(?:日期：([^\n]+)\n)?\n([\s\S]*?)\n?$/.exec(text);
  if (!m) throw new Error(`${file}: not an article in the archive format`);
  const date = m[1] ? new Date(Number(m[1])) : new Date(m[4]!);
  if (Number.isNaN(date.getTime())) throw new Error(`${file}: no date`);
  return { id: Number(/^\d+/.exec(file)![0]), file, title: m[2]!, link: m[3]!, date, body: m[5]! };
}

function readSite(folder: string): Article[] {
  const dir = path.join(SAMPLE, folder);
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => readArticle(dir, f));
  // One story, several files: a CDT post renamed upstream (two files under one id, same link), a DW story
  // whose title and slug were edited (same article number, a-<n>). A feed carries the story once, as it is
  // now: the newest version.
  const latest = new Map<string, Article>();
  for (const a of all) {
    const key = /\/a-(\d+)$/.exec(a.link)?.[1] ?? a.link;
    const had = latest.get(key);
    if (!had || a.date.getTime() >= had.date.getTime()) latest.set(key, a);
  }
  return [...latest.values()].sort((a, b) => b.date.getTime() - a.date.getTime() || b.id - a.id);
}

/** The archive routes images through images.weserv.nl (`?url=host/path`); a feed names the host itself. */
function unproxy(html: string): string {
  return html.replace(/https?:\/\/images\.weserv\.nl\/?\?url=(?!https?%3A|https?:)/g, 'https://');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cdata = (s: string) => `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

function write(rel: string, data: string) {
  const file = path.join(OUT, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
}

/** feedx.net's shape: RSS 2.0, the whole body in <description>, the link as guid. */
function feedxRss(title: string, home: string, self: string, items: Article[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${esc(title)}</title>
<link>${esc(home)}</link>
<description>${esc(title)}</description>
<atom:link href="${esc(self)}" rel="self" type="application/rss+xml"/>
<language>zh-cn</language>
<lastBuildDate>${items[0]!.date.toUTCString()}</lastBuildDate>
${items
  .map(
    (a) => `<item>
<title>${esc(a.title)}</title>
<link>${esc(a.link)}</link>
<description>${cdata(unproxy(a.body))}</description>
<pubDate>${a.date.toUTCString()}</pubDate>
<guid isPermaLink="true">${esc(a.link)}</guid>
</item>`,
  )
  .join('\n')}
</channel>
</rss>
`;
}

/** Visible text of a body, for a teaser. */
function plainText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** WordPress's automatic excerpt, for Chinese text: the first characters, then ` [&#8230;]`. */
function teaser(html: string): string {
  const chars = [...plainText(html)];
  return `<p>${esc(chars.slice(0, 80).join(''))} [&#8230;]</p>`;
}

const postId = (a: Article) => 0xfffff ^ a.id;

/** A WordPress feed (wp-includes/feed-rss2.php's elements), teasers only, as CDT's was. */
function wordpressRss(items: Article[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>中国数字时代</title>
	<atom:link href="https://chinadigitaltimes.net/chinese/feed/" rel="self" type="application/rss+xml" />
	<link>https://chinadigitaltimes.net/chinese</link>
	<description>China Digital Times 中文版</description>
	<lastBuildDate>${items[0]!.date.toUTCString().replace('GMT', '+0000')}</lastBuildDate>
	<language>zh-CN</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<sy:updateFrequency>1</sy:updateFrequency>
${items
  .map(
    (a) => `	<item>
		<title>${esc(a.title)}</title>
		<link>${esc(a.link)}</link>
		<comments>${esc(a.link)}#respond</comments>
		<pubDate>${a.date.toUTCString().replace('GMT', '+0000')}</pubDate>
		<guid isPermaLink="false">https://chinadigitaltimes.net/chinese/?p=${postId(a)}</guid>
		<description>${cdata(teaser(a.body))}</description>
		<slash:comments>0</slash:comments>
	</item>`,
  )
  .join('\n')}
</channel>
</rss>
`;
}

/** A post's page: the article in div.post-content amid the site's navigation, sidebar and footer. */
function wordpressPage(a: Article): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<title>${esc(a.title)} - 中国数字时代</title>
<link rel="canonical" href="${esc(a.link)}">
<script src="/chinese/wp-includes/js/jquery/jquery.js"></script>
</head>
<body class="post-template-default single single-post postid-${postId(a)}">
<header class="site-header"><nav class="main-nav"><a href="/chinese/">首页</a> <a href="/chinese/category/404文库/">404文库</a> <a href="/chinese/category/真理部/">真理部</a> <a href="/chinese/about/">关于我们</a></nav></header>
<main class="site-main">
<article id="post-${postId(a)}" class="post-${postId(a)} post type-post status-publish">
<h1 class="post-title">${esc(a.title)}</h1>
<div class="post-meta"><time datetime="${a.date.toISOString()}">${a.date.toUTCString()}</time></div>
<div class="post-content">${a.body}</div>
<div class="post-share">分享到：推特 脸书 电报</div>
</article>
</main>
<aside class="sidebar"><h3>热门文章</h3><ul><li><a href="/chinese/">最新文章</a></li></ul><script>window.cdtSidebar && cdtSidebar()</script></aside>
<footer class="site-footer">中国数字时代 China Digital Times · <a href="/chinese/contact/">联系我们</a></footer>
</body>
</html>
`;
}

// Start clean: what this script does not write now must not survive from an older version.
for (const d of ['feeds', 'pages']) rmSync(path.join(OUT, d), { recursive: true, force: true });

const FEEDX = [
  { name: '美国之音', abbr: 'voa', folder: 'voa', title: '美国之音中文网', home: 'https://www.voachinese.com', feedx: 'mgzy1' },
  { name: 'BBC', abbr: 'bbc', folder: 'BBC', title: 'BBC 中文网', home: 'https://www.bbc.com/zhongwen/simp', feedx: 'bbc' },
  { name: '德国之声', abbr: 'dw', folder: '德国之声', title: '德国之声中文网', home: 'https://www.dw.com/zh', feedx: 'dw' },
];
const sites: object[] = [];
const counts: string[] = [];
for (const s of FEEDX) {
  const items = readSite(s.folder);
  write(`feeds/${s.abbr}.xml`, feedxRss(s.title, s.home, `https://feedx.net/rss/${s.feedx}.xml`, items));
  // The bodies are whole (as feedx's are): nothing to fetch from outlets the offline demo cannot reach.
  sites.push({ name: s.name, abbr: s.abbr, file: `${s.abbr}.xml`, contentType: 'application/rss+xml; charset=utf-8', fullText: 'never' });
  counts.push(`${s.abbr} ${items.length}`);
}

const cdt = readSite('中国数字时代');
write('feeds/cdt.xml', wordpressRss(cdt));
const pages: Record<string, string> = {};
for (const a of cdt) {
  write(`pages/cdt/${postId(a)}.html`, wordpressPage(a));
  pages[new URL(a.link).href] = `cdt/${postId(a)}.html`;
}
write('pages/index.json', JSON.stringify(pages, null, 2) + '\n');
// The original scraped CDT's pages the same way (div.post-content).
sites.push({ name: '中国数字时代', abbr: 'cdt', file: 'cdt.xml', contentType: 'application/rss+xml; charset=UTF-8', fullText: 'auto', selector: 'div.post-content', ids: 'wordpress' });
counts.push(`cdt ${cdt.length}`);

write('feeds/sites.json', JSON.stringify(sites, null, 2) + '\n');
console.log(`demo data written to ${OUT}: ${counts.join(', ')}`);
