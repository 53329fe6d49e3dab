/** The parse stage over real-world feeds, Chinese charsets, every format, and hostile XML. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { NewsmirrorError } from '../../src/errors.js';
import { parseDate, parseFeed } from '../../src/parse/index.js';

const FEEDS = fileURLToPath(new URL('../fixtures/feeds/rss-parser/', import.meta.url));

// What each real feed must yield: format and item count (checked against the files by hand).
const EXPECTED: Record<string, [string, number]> = {
  'atom-customfields.atom': ['atom', 15], 'content-encoded.rss': ['rss', 7], 'craigslist.rss': ['rdf', 25],
  'customfields.rss': ['rss', 15], 'encoding.rss': ['rss', 40], 'feedburner.atom': ['atom', 25],
  'giantbomb-podcast.rss': ['rss', 730], 'guardian.rss': ['rss', 55], 'gulp-atom.atom': ['atom', 10],
  'heise.atom': ['atom', 15], 'heraldsun.rss': ['rss', 2], 'incomplete-fields.atom': ['atom', 1],
  'instant-article.rss': ['rss', 1], 'item-itunes-episodeType.rss': ['rss', 1], 'itunes-category.rss': ['rss', 1],
  'itunes-href.rss': ['rss', 10], 'itunes-keywords-array.rss': ['rss', 1], 'itunes-keywords-astext.rss': ['rss', 32],
  'itunes-keywords.rss': ['rss', 1], 'itunes-missing-image.rss': ['rss', 131], 'many-links.rss': ['atom', 25],
  'missing-fields.atom': ['atom', 1], 'narro.rss': ['rss', 1], 'pagination-links.rss': ['rss', 1],
  'reddit-atom.rss': ['rss', 24], 'reddit-home.rss': ['atom', 24], 'reddit.rss': ['rss', 24], 'rss-1.rss': ['rdf', 69],
  'uolNoticias.rss': ['rss', 15], 'xml2js-options.rss': ['rdf', 69],
};

test('every real-world feed of the fixture set parses', () => {
  const files = readdirSync(FEEDS).sort();
  assert.equal(files.length, 31);
  for (const f of files) {
    const bytes = readFileSync(path.join(FEEDS, f));
    if (f === 'unrecognized.rss') {
      assert.throws(() => parseFeed(bytes, { url: `file:///${f}` }), (e: unknown) => e instanceof NewsmirrorError && e.code === 'malformed_feed' && e.message.includes(f));
      continue;
    }
    const feed = parseFeed(bytes, { url: `https://feeds.example/${f}` });
    const [format, count] = EXPECTED[f]!;
    assert.equal(feed.format, format, f);
    assert.equal(feed.items.length, count, f);
    for (const it of feed.items) {
      if (it.link !== null) assert.doesNotThrow(() => new URL(it.link!), `${f}: ${it.link}`);
      if (it.title !== null) assert.ok(!/\s{2,}|^\s|\s$/.test(it.title), `${f}: title whitespace collapsed: ${JSON.stringify(it.title)}`);
    }
    if (!['incomplete-fields.atom', 'missing-fields.atom'].includes(f)) assert.ok(feed.items.some((i) => i.title && i.link), `${f}: items have titles and links`);
  }
});

test('UTF-8 bytes (bodies lifted out of CDATA before tokenizing) parse exactly as the decoded text does', () => {
  const utf8 = readdirSync(FEEDS).filter((f) => f !== 'unrecognized.rss' && !/encoding="(?!utf-8)/i.test(readFileSync(path.join(FEEDS, f), 'latin1').slice(0, 200)));
  assert.ok(utf8.length >= 25);
  let lifted = 0;
  for (const f of utf8) {
    const bytes = readFileSync(path.join(FEEDS, f));
    lifted += bytes.toString('latin1').split('<![CDATA[').length - 1;
    assert.deepEqual(parseFeed(bytes, { url: `https://feeds.example/${f}` }), parseFeed(bytes.toString('utf8').replace(/^\uFEFF/, ''), { url: `https://feeds.example/${f}` }), f);
  }
  assert.ok(lifted > 500, `the fixtures exercise CDATA (${lifted})`);
  // Edges of the byte search: a CDATA opener inside a comment stays comment; DOCTYPE and CDATA side by side; an
  // unterminated CDATA at the end; a body that looks like a lift marker; bodies with ]] and > inside.
  const edge = [
    '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE rss><rss><channel><title>边</title>',
    '<!-- <![CDATA[ not a body --><item><title><![CDATA[一]]></title><link>https://e.example/1</link><description><![CDATA[<p>a]]b > c</p>]]></description></item>',
    '<item><title>二</title><link>https://e.example/2</link><description><![CDATA[\uE0001]]></description></item>',
    '<item><title>三</title><link>https://e.example/3</link><description><![CDATA[<p>unterminated',
  ].join('');
  const fromBytes = parseFeed(Buffer.from(edge), { url: 'https://e.example/feed' });
  assert.deepEqual(fromBytes, parseFeed(edge, { url: 'https://e.example/feed' }));
  assert.deepEqual(fromBytes.items.map((i) => [i.title, i.contentHtml]), [['一', '<p>a]]b > c</p>'], ['二', '\uE0001'], ['三', '<p>unterminated']]);
});

test('details of real feeds: ISO-8859-1, content:encoded over description, Atom links and dates', () => {
  const enc = parseFeed(readFileSync(path.join(FEEDS, 'encoding.rss')), { url: 'https://x/' });
  assert.equal(enc.items[0]!.title, 'Mãe de utente é a nova presidente da Raríssimas');
  const ce = parseFeed(readFileSync(path.join(FEEDS, 'content-encoded.rss')), { url: 'https://x/' });
  assert.ok(ce.items.every((i) => i.contentHtml!.length > 1000), 'content:encoded is the body');
  const both = parseFeed('<rss xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><link>https://x/1</link><description>teaser</description><content:encoded><![CDATA[<p>full body</p>]]></content:encoded></item></channel></rss>', { url: 'https://x/' });
  assert.deepEqual([both.items[0]!.contentHtml, both.items[0]!.summary], ['<p>full body</p>', 'teaser']);
  const heise = parseFeed(readFileSync(path.join(FEEDS, 'heise.atom')), { url: 'https://x/' });
  assert.equal(heise.items[0]!.link, 'http://www.heise.de/developer/meldung/Java-Anwendungsserver-Red-Hat-gibt-WildFly-10-frei-3088438.html?wt_mc=rss.developer.beitrag.atom');
  assert.equal(heise.items[0]!.published?.toISOString(), '2016-02-01T16:22:00.000Z');
  const uol = parseFeed(readFileSync(path.join(FEEDS, 'uolNoticias.rss')), { url: 'https://x/' });
  assert.equal(uol.items[0]!.published?.toISOString(), '2018-09-24T22:42:40.000Z', 'Portuguese month names');
});

const ZH_RSS = (enc: string, title: string, body: string) => `<?xml version="1.0" encoding="${enc}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${title}</title><link>https://zh.example/</link>
<item><title>${title}</title><link>/a/1.html</link><guid>g1</guid><pubDate>Wed, 07 Sep 2022 13:31:51 +0800</pubDate><content:encoded><![CDATA[<p>${body}</p>]]></content:encoded></item>
</channel></rss>`;

test('GBK and Big5 feeds decode from the XML declaration, the header, or despite a lying header', () => {
  const gbk = iconv.encode(ZH_RSS('gbk', '简体中文：经济增长放缓', '国家统计局公布数据'), 'gbk');
  const big5 = iconv.encode(ZH_RSS('big5', '繁體中文：颱風逼近臺灣', '氣象局發布警報'), 'big5');
  const f1 = parseFeed(gbk, { url: 'https://zh.example/gbk.xml' });
  assert.equal(f1.items[0]!.title, '简体中文：经济增长放缓');
  assert.equal(f1.items[0]!.link, 'https://zh.example/a/1.html');
  assert.match(f1.items[0]!.contentHtml!, /国家统计局公布数据/);
  assert.equal(parseFeed(big5, { url: 'https://zh.example/big5.xml' }).items[0]!.title, '繁體中文：颱風逼近臺灣');
  // The header names the charset and the document says nothing.
  const noDecl = iconv.encode(ZH_RSS('gbk', '标题', '正文').replace(' encoding="gbk"', ''), 'gbk');
  assert.equal(parseFeed(noDecl, { url: 'x', contentType: 'text/xml; charset=GB2312' }).items[0]!.title, '标题');
  // The header lies (utf-8) and the document declares gbk: the document wins.
  assert.equal(parseFeed(gbk, { url: 'x', contentType: 'application/xml; charset=utf-8' }).items[0]!.title, '简体中文：经济增长放缓');
  // UTF-8 with a BOM, and UTF-16.
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ZH_RSS('utf-8', '标题', '正文'))]);
  assert.equal(parseFeed(utf8, { url: 'x' }).items[0]!.title, '标题');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(ZH_RSS('utf-16', '标题十六', '正文'), 'utf-16le')]);
  assert.equal(parseFeed(utf16, { url: 'x' }).items[0]!.title, '标题十六');
});

test('Atom: xml:base resolves links and body base; type=text is escaped; xhtml is inline markup', () => {
  const atom = `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/news/"><title type="html">&lt;b&gt;A&lt;/b&gt; feed</title>
<link href="/"/>
<entry xml:base="2022/"><id>tag:a,1</id><title>One</title><link rel="alternate" href="one.html"/><link rel="enclosure" href="x.mp3"/>
<updated>2022-09-07T13:31:51+08:00</updated><summary>short</summary><content type="xhtml" xml:base="/media/"><div xmlns="http://www.w3.org/1999/xhtml"><p>Full <img src="a.jpg"/></p></div></content></entry>
<entry><id>tag:a,2</id><title type="text">Two &lt;script&gt;</title><link href="two.html"/><published>2022-09-08T00:00:00Z</published><content type="text">line &lt;b&gt;one&lt;/b&gt;

para two</content></entry>
</feed>`;
  const f = parseFeed(atom, { url: 'https://feeds.example/atom.xml' });
  assert.equal(f.format, 'atom');
  assert.equal(f.title, 'A feed');
  assert.equal(f.link, 'https://a.example/');
  const [one, two] = f.items;
  assert.equal(one!.link, 'https://a.example/news/2022/one.html');
  assert.equal(one!.baseUrl, 'https://a.example/media/');
  assert.equal(one!.contentHtml, '<p>Full <img src="a.jpg"></p>');
  assert.equal(one!.summary, '<p>short</p>');
  assert.equal(one!.published, null);
  assert.equal(one!.updated?.toISOString(), '2022-09-07T05:31:51.000Z');
  assert.equal(two!.title, 'Two <script>');
  assert.equal(two!.contentHtml, '<p>line &lt;b&gt;one&lt;/b&gt;</p>\n<p>para two</p>');
  // Inline XHTML is re-serialized: escaped text stays text, prefixes and xmlns go, void elements lose their slash.
  const x = parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:h="http://www.w3.org/1999/xhtml"><entry><id>3</id><title>x</title><link href="https://a.example/3"/><content type="xhtml"><h:div><h:p title="a &amp; &quot;b&quot;">1 &lt; 2 &amp;&amp; <h:br/>&lt;script&gt;</h:p></h:div></content></entry></feed>`, { url: 'https://feeds.example/atom.xml' });
  assert.equal(x.items[0]!.contentHtml, '<p title="a &amp; &quot;b&quot;">1 &lt; 2 &amp;&amp; <br>&lt;script&gt;</p>');
});

test('RDF and JSON Feed', () => {
  const rdf = `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://r.example/"><title>R</title><link>https://r.example/</link></channel>
<item rdf:about="https://r.example/1"><title>Item</title><link>https://r.example/1</link><dc:date>2022-09-07T13:31:51Z</dc:date><dc:creator>Me</dc:creator><description>D</description></item></rdf:RDF>`;
  const r = parseFeed(rdf, { url: 'x' });
  assert.equal(r.format, 'rdf');
  assert.deepEqual([r.items[0]!.guid, r.items[0]!.author, r.items[0]!.published?.toISOString()], ['https://r.example/1', 'Me', '2022-09-07T13:31:51.000Z']);
  const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'J', home_page_url: 'https://j.example/', items: [
    { id: '1', url: '/p/1', title: '一', content_html: '<p>html</p>', summary: 's', date_published: '2022-09-07T13:31:51+08:00', authors: [{ name: 'A' }] },
    { id: '2', title: '二', content_text: 'a < b' },
  ] });
  const j = parseFeed(Buffer.from(json), { url: 'https://j.example/feed.json', contentType: 'application/feed+json' });
  assert.equal(j.format, 'json');
  assert.equal(j.items[0]!.link, 'https://j.example/p/1');
  assert.equal(j.items[0]!.summary, 's');
  assert.equal(j.items[0]!.author, 'A');
  assert.equal(j.items[1]!.contentHtml, '<p>a &lt; b</p>');
});

test('entity bombs stay unexpanded and external entities are never read or fetched', async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('SECRET-FROM-LOOPBACK');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i ? i : ''};`.repeat(10)}">`)].join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE rss [${lol}<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:${port}/x">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&xxe; &net;</title><link>https://b.example/1</link><description>&lol9;&xxe;</description></item></channel></rss>`;
    const f = parseFeed(bomb, { url: 'https://b.example/feed' });
    const all = JSON.stringify(f);
    assert.ok(all.length < 5000, 'no expansion');
    assert.ok(!all.includes('root:'), 'no local file content');
    assert.ok(!all.includes('SECRET-FROM-LOOPBACK'));
    assert.equal(hits, 0, 'no request to the external entity URL');
    assert.equal(f.items.length, 1);
  } finally {
    server.close();
  }
});

test('malformed input: one-line malformed_feed errors naming the URL; recoverable XML still yields items', () => {
  for (const input of ['', '   ', 'just text', '<html><body>page</body></html>', '{"not":"a feed"}', '{broken json', '<foo/>']) {
    assert.throws(() => parseFeed(input, { url: 'https://m.example/feed.xml' }), (e: unknown) => e instanceof NewsmirrorError && e.code === 'malformed_feed' && e.message.startsWith('https://m.example/feed.xml: not a feed') && !e.message.includes('\n'));
  }
  const sloppy = '<rss><channel><title>S & P</title><item><title>AT&T news &copy; 2024</title><link>https://s.example/1</link></item>';
  const f = parseFeed(sloppy, { url: 'x' });
  assert.equal(f.items.length, 1);
  assert.equal(f.items[0]!.link, 'https://s.example/1');
  assert.equal(f.items[0]!.title, 'AT&T news © 2024');
  const deep = '<rss><channel><item><title>deep</title><link>https://d.example/</link><description>' + '<div>'.repeat(100_000) + '</description></item></channel></rss>';
  // Absurd nesting is refused at once with one line (htmlparser2's element stack is quadratic in depth).
  assert.throws(() => parseFeed(deep, { url: 'https://d.example/feed.xml' }), (e: unknown) => e instanceof NewsmirrorError && e.message === 'https://d.example/feed.xml: not a feed (elements nested deeper than 2000)');
  const nested = '<rss><channel><item><title>nested</title><link>https://d.example/</link><description>' + '<div>'.repeat(1_500) + 'bottom</description></item></channel></rss>';
  assert.equal(parseFeed(nested, { url: 'x' }).items[0]!.title, 'nested');
  const ctrl = parseFeed('<rss><channel><item><title>a\u0001b\u0007c</title><link>https://c.example/</link></item></channel></rss>', { url: 'x' });
  assert.equal(ctrl.items[0]!.title, 'abc');
});

test('dates as feeds write them', () => {
  const cases: [string, string | null][] = [
    ['Wed, 07 Sep 2022 13:31:51 GMT', '2022-09-07T13:31:51.000Z'],
    ['Wed, 7 Sep 2022 13:31:51 +0800 (CST)', '2022-09-07T05:31:51.000Z'],
    ['Sun, 18 Nov 2019 19:14:32 EST', '2019-11-19T00:14:32.000Z'],
    ['07 Sep 22 13:31 GMT', '2022-09-07T13:31:00.000Z'],
    ['03 Apr 02 1500 GMT', '2002-04-03T15:00:00.000Z'],
    ['Thurs, 08 Sep 2022 01:00:00 GMT', '2022-09-08T01:00:00.000Z'],
    ['2022-09-07T13:31:51.123+08:00', '2022-09-07T05:31:51.123Z'],
    ['2022-09-07T13:31:51Z', '2022-09-07T13:31:51.000Z'],
    ['2022-09-07 13:31:51', '2022-09-07T13:31:51.000Z'],
    ['2022/09/07 13:31', '2022-09-07T13:31:00.000Z'],
    ['2022-09-07', '2022-09-07T00:00:00.000Z'],
    ['2022年9月7日 13:31', '2022-09-07T05:31:00.000Z'],
    ['Sep 7, 2022 13:31:51 GMT', '2022-09-07T13:31:51.000Z'],
    ['1662557511', '2022-09-07T13:31:51.000Z'],
    ['1662557511000', '2022-09-07T13:31:51.000Z'],
    ['not a date', null],
    ['2022-13-45', null],
    ['', null],
  ];
  for (const [s, iso] of cases) assert.equal(parseDate(s)?.toISOString() ?? null, iso, s);
});
