/**
 * Daily digests, built by the real CLI from the real archive sample (and a small archive with local images):
 * every EPUB passes the npm EPUB checker with 0 errors, the HTML file is self-contained (no script, nothing
 * loaded from anywhere), both hold the day's articles by site with a table of contents, and the bytes are
 * the same on every render.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EpubCheck } from '@likecoin/epubcheck-ts';
import { unzipSync, strFromU8 } from 'fflate';
import { renderDigest, writeDigests, type DigestSource } from '../../src/digest/index.js';
import { png } from '../images/png.js';
import { cli, snapshot, tempDir, writeConfig } from '../pipeline/harness.js';

const REAL = fileURLToPath(new URL('../fixtures/real-archive/', import.meta.url));
const SITES = [
  { name: '美国之音', abbr: 'voa', feed: 'http://127.0.0.1:9/voa.xml' },
  { name: 'BBC', abbr: 'bbc', feed: 'http://127.0.0.1:9/bbc.xml' },
  { name: '德国之声', abbr: 'dw', feed: 'http://127.0.0.1:9/dw.xml' },
  { name: '中国数字时代', abbr: 'cdt', feed: 'http://127.0.0.1:9/cdt.xml' },
];

function realArchive(): string {
  const dir = tempDir('nm-digest-');
  cpSync(REAL, path.join(dir, 'archive'), { recursive: true });
  writeConfig(dir, SITES);
  return dir;
}

async function epubErrors(file: string): Promise<string[]> {
  const r = await EpubCheck.validate(readFileSync(file));
  return r.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal').map((m) => `${m.id} ${m.message} @${m.location?.path ?? ''}`);
}

function files(dir: string, ext: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(ext)).sort();
}

/** What a self-contained file must not have: scripts, handlers, or anything a browser would load. */
function assertSelfContained(html: string, where: string): void {
  assert.doesNotMatch(html, /<script/i, `${where}: a script`);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${where}: an event handler`);
  assert.doesNotMatch(html, /<(?:link|iframe|object|embed|video|audio|source)\b/i, `${where}: an embedded resource`);
  for (const m of html.matchAll(/\ssrc="([^"]*)"/g)) assert.match(m[1]!, /^data:image\//, `${where}: src ${m[1]!.slice(0, 60)}`);
  assert.doesNotMatch(html, /url\(/i, `${where}: a CSS url()`);
  assert.match(html, /<style>[\s\S]*line-height[\s\S]*<\/style>/, `${where}: inline CSS`);
}

test('digest --all over the real sample: every EPUB passes the npm EPUB checker with 0 errors; every HTML is self-contained', async () => {
  const dir = realArchive();
  const r = await cli(['digest', '--all', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { digests: { date: string; articles: number }[]; outDir: string };
  assert.equal(out.outDir, path.join(dir, 'archive', 'site', 'digests'));
  // The sample's days (GMT+8). Every story is in one digest: 226 of the 228 files (two are second files of a
  // story renamed upstream, 399852 and 400166).
  assert.equal(out.digests.reduce((n, d) => n + d.articles, 0), 226);
  assert.equal(out.digests.length, 12);
  const epubs = files(out.outDir, '.epub');
  assert.equal(epubs.length, 12);
  for (const f of epubs) assert.deepEqual(await epubErrors(path.join(out.outDir, f)), [], f);
  for (const f of files(out.outDir, '.html').filter((f) => f !== 'index.html')) assertSelfContained(readFileSync(path.join(out.outDir, f), 'utf8'), f);
  // The digests page lists every day, newest first.
  const index = readFileSync(path.join(out.outDir, 'index.html'), 'utf8');
  const dates = [...index.matchAll(/<span class="date">([\d-]+)<\/span>/g)].map((m) => m[1]);
  assert.deepEqual(dates, out.digests.map((d) => d.date).reverse());
  assert.match(index, /href="2020\/07\/2020-07-01\.epub"/);
});

test('a busy day: the table of contents is by site, in the configured order, and links every article in both files', async () => {
  const dir = realArchive();
  const r = await cli(['digest', '--date', '2020-07-01', '--out', 'out'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2020-07-01: 45 articles/);
  const html = readFileSync(path.join(dir, 'out', '2020', '07', '2020-07-01.html'), 'utf8');
  const nav = html.slice(html.indexOf('<nav'), html.indexOf('</nav>'));
  const siteLinks = [...nav.matchAll(/<li><a href="#(site-\d+)">([^<]+)<\/a>/g)].map((m) => m[2]);
  // Sites in the config's order; only those with articles that day.
  assert.deepEqual(siteLinks, ['BBC', '德国之声', '中国数字时代']);
  const articleLinks = [...nav.matchAll(/<li><a href="#(a\d+)">/g)].map((m) => m[1]!);
  assert.equal(articleLinks.length, 45);
  for (const id of articleLinks) assert.match(html, new RegExp(`<article id="${id}">`));
  // A story of the day, with its text and a link to its source.
  assert.match(html, /<h3>[^<]*<\/h3>/);
  assert.match(html, /原文 Source/);

  const book = unzipSync(readFileSync(path.join(dir, 'out', '2020', '07', '2020-07-01.epub')));
  const names = Object.keys(book);
  assert.equal(names[0], 'mimetype', 'mimetype comes first');
  assert.equal(strFromU8(book['mimetype']!), 'application/epub+zip');
  const navDoc = strFromU8(book['OEBPF/nav.xhtml']!);
  assert.deepEqual([...navDoc.matchAll(/<a href='content\/site\d+\.xhtml'>([^<]+)<\/a>/g)].map((m) => m[1]), ['BBC', '德国之声', '中国数字时代']);
  const toc = strFromU8(book['OEBPF/content/toc.xhtml']!);
  assert.equal([...toc.matchAll(/href="site\d\.xhtml#a\d+"/g)].length, 45);
  assert.match(strFromU8(book['OEBPF/ebook.opf']!), /<meta property='dcterms:modified'>2020-07-01T\d\d:\d\d:\d\dZ<\/meta>/);
  assert.deepEqual(await epubErrors(path.join(dir, 'out', '2020', '07', '2020-07-01.epub')), []);
});

test('same articles, same bytes: two renders, another output folder, another process time zone; a second run changes nothing', async () => {
  const dir = realArchive();
  assert.equal((await cli(['digest', '--date', '2020-06-30', '--date', '2020-07-01'], dir)).code, 0);
  const digests = path.join(dir, 'archive', 'site', 'digests');
  const before = snapshot(digests);
  const again = await cli(['digest', '--date', '2020-06-30', '--date', '2020-07-01'], dir);
  assert.match(again.stdout, /0 files changed/);
  assert.deepEqual(snapshot(digests), before);
  // Another process, another TZ, another folder: the same bytes.
  const other = await new Promise<string>((resolve, reject) => {
    import('node:child_process').then(({ spawn }) => {
      const child = spawn(process.execPath, [path.join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'newsmirror.js'), 'digest', '--date', '2020-07-01', '--out', 'elsewhere'], { cwd: dir, env: { ...process.env, TZ: 'America/Los_Angeles' } });
      child.on('error', reject);
      child.on('close', () => resolve(path.join(dir, 'elsewhere')));
    }, reject);
  });
  for (const ext of ['epub', 'html']) {
    assert.ok(readFileSync(path.join(other, '2020', '07', `2020-07-01.${ext}`)).equals(readFileSync(path.join(digests, '2020', '07', `2020-07-01.${ext}`))), ext);
  }

  // In process, from one source: twice the same bytes.
  const src: DigestSource = {
    sites: [{ name: 'BBC', abbr: 'bbc' }],
    between: () => [{ id: 1, site: 'bbc', path: 'articles/bbc/1.md', title: '标题 [[TITLE]] & <b>', link: 'https://www.bbc.com/zhongwen/a b|c', published: Date.UTC(2024, 0, 1, 3) }],
    body: () => '<p>正文 [[ID]] 与 <a href="javascript:alert(1)">链接</a><img src="https://example.com/x.jpg" alt="远程图片"></p><ul><p>不在 li 里</p></ul><li>孤立</li>',
  };
  const opts = { archive: dir, outDir: path.join(dir, 'x'), tzOffsetMinutes: 480 };
  const a = (await renderDigest(src, '2024-01-01', opts))!;
  const b = (await renderDigest(src, '2024-01-01', opts))!;
  assert.ok(a.epub.equals(b.epub));
  assert.equal(a.html, b.html);
  // Text that looks like nodepub's own placeholders stays as written; unsafe links and remote images go.
  const section = strFromU8(unzipSync(a.epub)['OEBPF/content/site1.xhtml']!);
  assert.match(section, /标题 &#91;\[TITLE\]\] &amp; &lt;b&gt;/);
  assert.match(section, /正文 &#91;\[ID\]\]/);
  assert.doesNotMatch(section + a.html, /javascript:|example\.com\/x\.jpg/);
  assert.match(a.html, /［图 远程图片］/);
  assert.match(a.html, /href="https:\/\/www\.bbc\.com\/zhongwen\/a%20b%7Cc"/);
  const tmp = path.join(dir, 'check.epub');
  writeFileSync(tmp, a.epub);
  assert.deepEqual(await epubErrors(tmp), []);
});


test('images: a stored image under the cap is carried (data: URI in HTML, a file in the EPUB); a larger or remote one is left out, its caption kept', async () => {
  const dir = tempDir('nm-digest-img-');
  const archive = path.join(dir, 'archive');
  mkdirSync(path.join(archive, 'articles', 'voa'), { recursive: true });
  mkdirSync(path.join(archive, 'assets', 'voa'), { recursive: true });
  const small = png(1, 8, 8);
  const big = png(2, 120, 120);
  writeFileSync(path.join(archive, 'assets', 'voa', '0123456789abcdef.png'), small);
  writeFileSync(path.join(archive, 'assets', 'voa', 'fedcba9876543210.png'), big);
  const t = Date.UTC(2024, 4, 3, 2, 0);
  const body =
    '<p>导语。</p><figure><img src="../../assets/voa/0123456789abcdef.png" alt="小图" width="8" height="8"><figcaption>图说一：本地小图</figcaption></figure>' +
    '<figure><img src="../../assets/voa/fedcba9876543210.png" alt="大图"><figcaption>图说二：本地大图</figcaption></figure>' +
    '<figure><img src="https://images.weserv.nl?url=https%3A%2F%2Fexample.com%2Fa.jpg" alt=""><figcaption>图说三：远程图</figcaption></figure><p>正文。</p>';
  writeFileSync(path.join(archive, 'articles', 'voa', '1048575.md'), `<!--${t}-->\n[有图的报道](https://www.voachinese.com/a/1.html)\n------\n\n${body}\n`);
  writeConfig(dir, SITES.slice(0, 1), 'digests: {imageMaxBytes: 10000}');
  assert.ok(big.length > 10000 && small.length < 10000);
  const r = await cli(['digest', '--date', '2024-05-03'], dir);
  assert.equal(r.code, 0, r.stderr);
  const base = path.join(archive, 'site', 'digests', '2024', '05', '2024-05-03');
  const html = readFileSync(`${base}.html`, 'utf8');
  assertSelfContained(html, 'html');
  assert.ok(html.includes(`src="data:image/png;base64,${small.toString('base64')}"`), 'the small image is inline');
  assert.ok(!html.includes(big.toString('base64').slice(0, 200)), 'the large image is not');
  for (const caption of ['图说一：本地小图', '图说二：本地大图', '图说三：远程图']) assert.ok(html.includes(caption), caption);
  assert.match(html, /［图 大图］/);
  const book = unzipSync(readFileSync(`${base}.epub`));
  assert.ok(Buffer.from(book['OEBPF/images/0123456789abcdef.png']!).equals(small));
  assert.equal(book['OEBPF/images/fedcba9876543210.png'], undefined);
  const section = strFromU8(book['OEBPF/content/site1.xhtml']!);
  assert.match(section, /<img src="\.\.\/images\/0123456789abcdef\.png" alt="小图" width="8" height="8"\/>/);
  for (const caption of ['图说一：本地小图', '图说二：本地大图', '图说三：远程图']) assert.ok(section.includes(caption), caption);
  assert.deepEqual(await epubErrors(`${base}.epub`), []);
  // A day without articles writes no digest, and says so.
  const none = await cli(['digest', '--date', '2024-05-04'], dir);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no articles on 2024-05-04/);
  assert.ok(!existsSync(path.join(archive, 'site', 'digests', '2024', '05', '2024-05-04.html')));
  const bad = await cli(['digest', '--date', '2024-02-30'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--date: "2024-02-30" is not a date/);
});

test('a busy day of the bench corpus (216 articles of 9 sites, images at blocked hosts): valid EPUB, self-contained HTML', async () => {
  // @ts-expect-error: the bench is plain JavaScript
  const { makeArchive, SITES: BENCH_SITES } = await import('../../bench/corpus.mjs');
  const dir = tempDir('nm-digest-bench-');
  await makeArchive(path.join(dir, 'archive'), 500);
  writeConfig(dir, (BENCH_SITES as string[]).map((abbr) => ({ name: abbr.toUpperCase(), abbr, feed: `http://127.0.0.1:9/${abbr}.xml` })));
  const r = await cli(['digest', '--date', '2023-12-31', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const [d] = (JSON.parse(r.stdout) as { digests: { articles: number }[] }).digests;
  assert.equal(d!.articles, 216);
  const base = path.join(dir, 'archive', 'site', 'digests', '2023', '12', '2023-12-31');
  assert.deepEqual(await epubErrors(`${base}.epub`), []);
  const html = readFileSync(`${base}.html`, 'utf8');
  assertSelfContained(html, 'bench digest');
  assert.equal([...html.matchAll(/<li><a href="#a\d+">/g)].length, 216);
  assert.equal([...html.matchAll(/<li><a href="#site-\d+">/g)].length, 9);
  // Every body's images were remote: none is carried, every caption is.
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /资料照|图片来源：路透社|示威者在街头|会议现场|记者会上/);
});

test('a day whose articles did not change is not rendered again (unless forced); one that changed is', async () => {
  const dir = tempDir('nm-digest-skip-');
  let reads = 0;
  const articles = [{ id: 1, site: 'bbc', path: 'articles/bbc/1.md', title: '一', link: 'https://www.bbc.com/1', published: Date.UTC(2024, 0, 1, 3), contentHash: 'h1' }];
  const src: DigestSource = {
    sites: [{ name: 'BBC', abbr: 'bbc' }],
    between: (from, to) => articles.filter((a) => a.published >= from && a.published < to),
    body: () => (reads++, '<p>正文</p>'),
  };
  const opts = { archive: dir, outDir: path.join(dir, 'digests'), tzOffsetMinutes: 480 };
  const first = await writeDigests(src, ['2024-01-01'], opts);
  assert.equal(first.written, 3);
  assert.equal(reads, 1);
  const again = await writeDigests(src, ['2024-01-01'], opts);
  assert.deepEqual([again.written, reads], [0, 1], 'not rendered again');
  assert.deepEqual(again.digests, first.digests);
  await writeDigests(src, ['2024-01-01'], { ...opts, force: true });
  assert.equal(reads, 2, 'forced');
  articles[0]!.contentHash = 'h2';
  const changed = await writeDigests(src, ['2024-01-01'], opts);
  assert.equal(reads, 3, 'an edited article renders its day again');
  assert.equal(changed.written, 0, 'same bytes: nothing written');
});
