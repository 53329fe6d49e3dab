/** The clean stage: golden cases, the seed survives, idempotence, and an XSS corpus checked with a real parser. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanHtml, htmlToText, proxyImageUrl, safeStyle } from '../../src/clean/index.js';
import { GOLDEN_DIR, GOLDEN_OPTIONS, goldenInputs } from '../fixtures/clean/regenerate.js';
import { findExecutableVectors } from './xss-check.js';
import { loadVectors } from './vectors.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const OPTS = GOLDEN_OPTIONS;

test('golden pairs: each input cleans to its .result.html', () => {
  const inputs = goldenInputs();
  for (const name of ['lazy-data-src', 'tracking-pixel', 'youtube-iframe', 'relative-urls', 'srcset', 'scheme-less-proxy']) {
    assert.ok(inputs.includes(`${name}.html`), `golden case ${name}`);
  }
  for (const f of inputs) {
    const expected = readFileSync(path.join(GOLDEN_DIR, f.replace(/\.html$/, '.result.html')), 'utf8');
    assert.equal(cleanHtml(readFileSync(path.join(GOLDEN_DIR, f), 'utf8'), OPTS), expected, f);
  }
});

test('idempotence: cleaning a golden output, the seed or a golden input twice changes no byte', () => {
  const seedBody = readFileSync(path.join(FIXTURES, 'seed', '000_27822f79dc96baa0.txt'), 'utf8').split('\n')[4]!;
  const docs = [seedBody, ...goldenInputs().flatMap((f) => [f, f.replace(/\.html$/, '.result.html')]).map((f) => readFileSync(path.join(GOLDEN_DIR, f), 'utf8'))];
  for (const proxy of [OPTS.imageProxy, null]) {
    for (const doc of docs) {
      const once = cleanHtml(doc, { baseUrl: OPTS.baseUrl, imageProxy: proxy });
      assert.equal(cleanHtml(once, { baseUrl: OPTS.baseUrl, imageProxy: proxy }), once, doc.slice(0, 80));
    }
  }
});

test('idempotence: a discarded element between a kept one and its implied closer gets a second pass', () => {
  const cases: [string, string][] = [
    ['<p>a<font><div>b</div></font>c</p>', '<p>a</p><div>b</div>c<p></p>'],
    ['<ul><li>a<video><li>b</video></ul>', '<ul><li>a</li><li>b</li></ul>'],
    ['<dl><dt>a<center><dd>b</center></dl>', '<dl><dt>a</dt><dd>b</dd></dl>'],
  ];
  for (const [input, expected] of cases) {
    const once = cleanHtml(input, OPTS);
    assert.equal(once, expected, input);
    assert.equal(cleanHtml(once, OPTS), once, input);
  }
});

test('idempotence and safety over 3000 generated tag soups (deterministic)', () => {
  const parts = [
    '<p>', '</p>', '<div>', '</div>', '<a href="/x">', '</a>', '<table>', '<tr>', '<td>', '</table>', '<li>', '<ul>',
    '</ul>', '<b>', '</b>', '<pre>', '<h1>', '</h1>', '文字', ' ', '<br>', '<img src="/a.jpg">', '<img data-src="/l.jpg">',
    '<iframe src="https://www.youtube.com/embed/1">', '</iframe>', '<video>', '<source src="/v.mp4">', '</video>', '<svg>',
    '</svg>', '<script>', '</script>', '<select>', '<form>', '<font>', '</font>', '<center>', '<section>', '<figure>',
    '<figcaption>', '&amp;', '&lt;', '<!--', '-->', '<dl>', '<dt>', '<dd>', '<hr>', '<object data="/o">', '<noscript>',
    '</noscript>', '<small style="color:#999">', '<textarea>', '<plaintext>', '<xmp>', '<math>', '<embed src="/e">',
    '<thead>', '<tbody>', '<th>', '</td>', '<span>', '<ol>', '<blockquote>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">',
  ];
  let seed = 20240501;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const failures: string[] = [];
  for (let k = 0; k < 3000; k++) {
    let soup = '';
    for (let j = 1 + next(16); j > 0; j--) soup += parts[next(parts.length)];
    const once = cleanHtml(soup, OPTS);
    if (cleanHtml(once, OPTS) !== once) failures.push(`not idempotent: ${soup}`);
    for (const f of findExecutableVectors(once)) failures.push(`${f}: ${soup}`);
  }
  assert.deepEqual(failures.slice(0, 5), []);
});

test('a dropped embed does not leave a wrong closing tag on its next sibling (sanitize-html#398)', () => {
  for (const dropped of ['<iframe src="javascript:x"></iframe>', '<embed src="data:x">', '<video></video>', '<picture><source srcset="/a.webp"></picture>']) {
    assert.equal(cleanHtml(`<div>${dropped}<b>b</b><br><p>p</p></div>`, OPTS), '<div><b>b</b><br /><p>p</p></div>', dropped);
  }
});

test('embeds: one short link per video/audio, none inside a link, fallback content dropped', () => {
  const o = { baseUrl: 'https://news.example/a/', imageProxy: null };
  assert.equal(
    cleanHtml('<video src="v.mp4">旧浏览器<p>请下载</p><source src="w.webm"></video>', o),
    '<a href="https://news.example/a/v.mp4">视频 / Video: https://news.example/a/v.mp4</a>',
  );
  assert.equal(
    cleanHtml('<audio><source src="t.ogg" type="audio/ogg"><source src="t.mp3"></audio>', o),
    '<a href="https://news.example/a/t.ogg">音频 / Audio: https://news.example/a/t.ogg</a>',
  );
  assert.equal(cleanHtml('<a href="/x"><iframe src="https://www.youtube.com/embed/a"></iframe>看视频</a>', o), '<a href="https://news.example/x">看视频</a>');
  assert.equal(cleanHtml('<iframe>后备<b>内容</b></iframe><p>后</p>', o), '<p>后</p>');
  assert.equal(cleanHtml('<iframe src="https://maps.example/embed?q=1"></iframe>', o), '<a href="https://maps.example/embed?q=1">嵌入内容 / Embed: https://maps.example/embed?q=1</a>');
});

test('the seed article survives: text, both images (not proxied twice), captions', () => {
  const seedBody = readFileSync(path.join(FIXTURES, 'seed', '000_27822f79dc96baa0.txt'), 'utf8').split('\n')[4]!;
  const out = cleanHtml(seedBody, { baseUrl: 'https://www.voachinese.com/a/x.html', imageProxy: 'https://images.weserv.nl?url={url}' });
  assert.equal(htmlToText(out), htmlToText(seedBody));
  const imgs = [...out.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(imgs, [
    'https://images.weserv.nl?url=gdb.voanews.com/2590B1B6-0A03-4865-B519-ACA72BCC99F3_r1_s_w900.jpg',
    'https://images.weserv.nl?url=gdb.voanews.com/00e90000-0aff-0242-a615-08da90d4edc0_w900.jpg',
  ]);
  assert.match(out, /<small style="color:#999">资料照：中国国家主席习近平和俄罗斯总统普京/);
  assert.match(out, /alt="中国外交部发言人毛宁 （2022年9月5日）"/);
  assert.deepEqual(findExecutableVectors(out), []);
});

test('proxyImageUrl encodes once and never proxies twice', () => {
  const t = 'https://images.weserv.nl?url={url}';
  const once = proxyImageUrl('https://img.example/a b.jpg?x=1&y=2', t);
  assert.equal(once, 'https://images.weserv.nl?url=https%3A%2F%2Fimg.example%2Fa%20b.jpg%3Fx%3D1%26y%3D2');
  assert.equal(proxyImageUrl(once, t), once);
  assert.equal(proxyImageUrl('//images.weserv.nl/?url=a.example/x.jpg', t), 'https://images.weserv.nl/?url=a.example/x.jpg');
  assert.equal(proxyImageUrl('https://img.example/a.jpg', null), 'https://img.example/a.jpg');
  const other = proxyImageUrl('https://img.example/a.jpg', 'https://proxy.example/i?src={url}');
  assert.equal(proxyImageUrl(other, 'https://proxy.example/i?src={url}'), 'https://proxy.example/i?src=https%3A%2F%2Fimg.example%2Fa.jpg');
});

test('proxyImageUrl knows the configured proxy by its host, with or without a scheme', () => {
  const t = 'https://proxy.example/i?u={url}&w=800';
  assert.equal(proxyImageUrl('https://img.example/a.jpg', t), 'https://proxy.example/i?u=https%3A%2F%2Fimg.example%2Fa.jpg&w=800');
  assert.equal(proxyImageUrl('//proxy.example/i?u=x.jpg', t), 'https://proxy.example/i?u=x.jpg');
  assert.equal(proxyImageUrl('proxy.example/i?u=x.jpg', t), 'https://proxy.example/i?u=x.jpg');
  assert.equal(proxyImageUrl('https://proxy.example/i?u=x.jpg&w=800', t), 'https://proxy.example/i?u=x.jpg&w=800');
  // The weserv URLs of older archives stay as they are whatever proxy is configured now.
  assert.equal(proxyImageUrl('images.weserv.nl?url=a.example/b.jpg', t), 'https://images.weserv.nl?url=a.example/b.jpg');
  // A look-alike host is not the proxy.
  assert.equal(proxyImageUrl('https://proxy.example.evil/i?u=x', t), 'https://proxy.example/i?u=https%3A%2F%2Fproxy.example.evil%2Fi%3Fu%3Dx&w=800');
});

test('styles: only allowed declarations with plain values survive, on every element, images included', () => {
  assert.equal(safeStyle(' color : #999 ; text-align:center;position:fixed'), 'color:#999;text-align:center');
  assert.equal(safeStyle('font-weight: bold !important'), 'font-weight:bold !important');
  // Anything a CSS parser would have to interpret (comments, escapes, quotes, nested rules) is dropped whole.
  for (const bad of ['color:/**/red', 'c\\olor: red', 'color: "red"', 'color: red } body { color: blue', 'COLOR: red', 'constructor: x', 'background: url(javascript:x)', 'color: expression(alert(1))', 'color:', '']) {
    assert.equal(safeStyle(bad), undefined, bad);
  }
  assert.equal(cleanHtml('<p style="color:red;behavior:url(x.htc)">a</p><img src="https://e.com/i.jpg" style="width:1px;font-style:italic">', { baseUrl: null, imageProxy: null }),
    '<p style="color:red">a</p><img src="https://e.com/i.jpg" style="font-style:italic" />');
  assert.equal(cleanHtml('<span style="position:fixed">a</span>', { baseUrl: null, imageProxy: null }), '<span>a</span>');
});

test('htmlToText: entities decoded, code skipped, block edges separate words, white space collapsed', () => {
  assert.equal(htmlToText('<p>First</p><p>second&nbsp;line<br>third</p>'), 'First second line third');
  assert.equal(htmlToText('<div>a <script>var x = "<p>";</script><style>p{}</style><b>b</b>&amp;<i>c</i></div>'), 'a b&c');
  assert.equal(htmlToText('<p>习近平\n\t会见</p><ul><li>一</li><li>二</li></ul>'), '习近平 会见 一 二');
  assert.equal(htmlToText(''), '');
});

test('with no proxy, images keep their absolute original URL', () => {
  assert.equal(cleanHtml('<img src="/a.jpg">', { baseUrl: 'https://n.example/x/', imageProxy: null }), '<img src="https://n.example/a.jpg" />');
});

test(`the XSS corpus: no executable vector survives, and cleaning is idempotent`, () => {
  const vectors = loadVectors();
  assert.ok(new Set(vectors).size >= 200, `${vectors.length} vectors`);
  const failures: string[] = [];
  for (const v of vectors) {
    for (const proxy of ['https://images.weserv.nl?url={url}', null]) {
      const out = cleanHtml(v, { baseUrl: 'https://news.example/a/1.html', imageProxy: proxy });
      const found = findExecutableVectors(out);
      if (found.length) failures.push(`${JSON.stringify(v).slice(0, 80)} → ${found.join('; ')}`);
      if (cleanHtml(out, { baseUrl: 'https://news.example/a/1.html', imageProxy: proxy }) !== out) failures.push(`not idempotent: ${JSON.stringify(v).slice(0, 80)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('the checker itself catches what it must (so a clean corpus run means something)', () => {
  assert.ok(findExecutableVectors('<img src=x onerror=alert(1)>').length > 0);
  assert.ok(findExecutableVectors('<a href="jav&#x09;ascript:alert(1)">x</a>').length > 0);
  assert.ok(findExecutableVectors('<p style="background:url(javascript:x)">x</p>').length > 0);
  assert.ok(findExecutableVectors('<svg></svg>').length > 0);
  assert.deepEqual(findExecutableVectors('<p><a href="https://ok/">ok</a><img src="https://ok/a.jpg"></p>'), []);
});
