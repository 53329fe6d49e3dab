/** The article file format byte for byte, titles and links that cannot break Markdown, lists and README. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  articleFileName,
  flattenBody,
  markdownHref,
  parseArticleFile,
  renderArticleFile,
  renderList,
  renderReadme,
} from '../../src/archive/index.js';
import { NewsmirrorError } from '../../src/errors.js';
import { ORIGINAL, SEED } from './helpers.js';

test('the seed article round-trips byte for byte', () => {
  const bytes = readFileSync(SEED, 'utf8');
  const a = parseArticleFile(bytes, SEED);
  assert.equal(a.published, 1662557943000);
  assert.equal(a.title, '俄官员证实普京与习近平下周将在乌兹别克斯坦举行会晤');
  assert.equal(a.link, 'https://www.voachinese.com/a/putin-xi-to-meet-in-uzbekistan-next-week-official-says-20220907/6734733.html');
  assert.ok(a.body.startsWith('<div><i>Wed, 07 Sep 2022 13:31:51 GMT</i></div>'));
  assert.ok(!a.body.includes('\n'));
  assert.equal(renderArticleFile(a), bytes);
  assert.equal(renderArticleFile(parseArticleFile(renderArticleFile(a), 'x')), bytes);
});

test('every article of the fixture archive (written by the original) round-trips byte for byte', () => {
  let n = 0;
  for (const folder of readdirSync(path.join(ORIGINAL, 'articles'))) {
    for (const name of readdirSync(path.join(ORIGINAL, 'articles', folder))) {
      const file = path.join(ORIGINAL, 'articles', folder, name);
      const bytes = readFileSync(file, 'utf8');
      assert.equal(renderArticleFile(parseArticleFile(bytes, file)), bytes, file);
      n++;
    }
  }
  assert.equal(n, 8);
});

test('the file is exactly the original layout: timestamp, [title](href), rule, blank, body, final newline', () => {
  const text = renderArticleFile({ published: 1662557943000.7, title: ' 标题 ', link: 'HTTPS://News.Example:443/a/../b?x=1#f', body: '<p>正文</p>' });
  assert.equal(text, '<!--1662557943000-->\n[标题](https://news.example/b?x=1#f)\n------\n\n<p>正文</p>\n');
  assert.equal(articleFileName(1048575), '1048575.md');
});

test('titles with ] [ \\ < survive the Markdown round trip; newlines and tabs become one space', () => {
  const a = { published: 1, title: '  A ] b [c] \\ <script>\n\t second ', link: 'https://x.example/a(1) b', body: '<p>x</p>' };
  const text = renderArticleFile(a);
  assert.equal(text.split('\n')[1], '[A \\] b \\[c\\] \\\\ \\<script> second](https://x.example/a%281%29%20b)');
  assert.equal(text.split('\n').length, 6, 'still six lines (five and the final newline)');
  const back = parseArticleFile(text, 'f.md');
  assert.equal(back.title, 'A ] b [c] \\ <script> second');
  // parse ∘ render is the identity on a title already on one line.
  assert.equal(parseArticleFile(renderArticleFile({ ...a, title: back.title }), 'f.md').title, back.title);
  // Spacing inside a line is the feed's own and is kept, as the original kept it.
  assert.equal(parseArticleFile(renderArticleFile({ ...a, title: '习近平  会见' }), 'f.md').title, '习近平  会见');
  // A backslash the original wrote before some other character is not taken for an escape.
  const original = '<!--1-->\n[C:\\temp 路径](https://x.example/)\n------\n\nb\n';
  assert.equal(parseArticleFile(original, 'f.md').title, 'C:\\temp 路径');
});

test('links: WHATWG href, then parentheses, white space and <> percent-encoded; not a URL stays as given', () => {
  assert.equal(markdownHref('https://x.example/wiki/A_(b)'), 'https://x.example/wiki/A_%28b%29');
  assert.equal(markdownHref('https://x.example/a?q=a b&r=<x>'), 'https://x.example/a?q=a%20b&r=%3Cx%3E');
  assert.equal(markdownHref('https://x.example/a#x\u3000y'), 'https://x.example/a#x%E3%80%80y');
  assert.equal(markdownHref('  https://x.example  '), 'https://x.example/');
  assert.equal(markdownHref(' no-scheme/path '), 'no-scheme/path');
  const text = renderArticleFile({ published: 1, title: 't', link: 'https://x.example/a)(b', body: '' });
  assert.equal(parseArticleFile(text, 'f').link, 'https://x.example/a%29%28b');
});

test('corrupt files are refused with a one-line corrupt_archive error naming the file and the fault', () => {
  for (const [text, why] of [
    ['hello', /fewer than 3 lines/],
    ['', /fewer than 3 lines/],
    ['<!--x-->\n[a](b)\n------\n\nbody\n', /timestamp/],
    ['<!--1-->\nno link\n------\n\nbody\n', /\[title\]\(link\)/],
    ['<!--1-->\n[a](b)\n=====\n\nbody\n', /------/],
  ] as const) {
    assert.throws(
      () => parseArticleFile(text, 'articles/x/1.md'),
      (e: unknown) => e instanceof NewsmirrorError && e.code === 'corrupt_archive' && why.test(e.message) && e.message.startsWith('articles/x/1.md: ') && !e.message.includes('\n'),
    );
  }
});

test('flattenBody: one line, lines trimmed and joined as the original did; words of spaced scripts kept apart', () => {
  assert.equal(flattenBody('  <p>中文\n  内容</p>\n\n<p>a</p>  '), '<p>中文内容</p><p>a</p>');
  assert.equal(flattenBody('<p>hello\nworld</p>'), '<p>hello world</p>');
  assert.equal(flattenBody('<p>End.\r\nNext</p>'), '<p>End. Next</p>');
  assert.equal(flattenBody('<p>Привет\nмир</p>\n<p>café\nnoir</p>'), '<p>Привет мир</p><p>café noir</p>');
  assert.equal(flattenBody('<div>\n<p>x</p>\n</div>'), '<div><p>x</p></div>', 'tag-to-tag joins stay as the original made them');
  assert.equal(flattenBody('<p>习近平\nXi</p>'), '<p>习近平Xi</p>', 'a Chinese side joins with nothing');
  // The seed's body (already one line) is a fixed point.
  const seed = parseArticleFile(readFileSync(SEED, 'utf8'), 'seed').body;
  assert.equal(flattenBody(seed), seed);
});

test('renderList: the original list layout, M-D in GMT+8, newest first as given', () => {
  const list = renderList('美国之音', [
    { title: 'b', published: Date.UTC(2022, 8, 10, 18, 30), path: 'articles/voa/1048574.md' },
    { title: 'a', published: 1662557943000, path: 'articles/voa/1048575.md' },
  ]);
  assert.equal(list, '美国之音\n------\n\n9-11 [b](/articles/voa/1048574.md)\n\n9-7 [a](/articles/voa/1048575.md)\n\n');
  assert.equal(renderList('x', [{ title: 'b', published: Date.UTC(2022, 8, 10, 18, 30), path: 'articles/x/1.md' }], { tzOffsetMinutes: 0 }), 'x\n------\n\n9-10 [b](/articles/x/1.md)\n\n');
  assert.equal(renderList('空', []), '空\n------\n\n\n');
});

test('renderList: titles cannot inject HTML or end the link; paths with spaces stay one link', () => {
  const list = renderList('BBC', [{ title: '<img src=x onerror=alert(1)> [独家] a\\b\n二', published: 0, path: 'articles/BBC/1_a (b) c.md' }]);
  const line = list.split('\n')[3]!;
  // The title as newsmirror writes it in the file (backslash escapes: Markdown shows `<` and `[` as text); the
  // path by the original's rule (url.resolve: space encoded, balanced parentheses kept, as CommonMark allows).
  assert.equal(line, '1-1 [\\<img src=x onerror=alert(1)> \\[独家\\] a\\\\b 二](/articles/BBC/1_a%20(b)%20c.md)');
  assert.ok(!/(^|[^\\])<img/.test(list), 'every < is escaped');
});

test('renderReadme: heading, one list link per site, data-derived facts, credits; no wall-clock time', () => {
  const sites = [
    { name: '美国之音', abbr: 'voa', count: 6, latest: Date.UTC(2022, 8, 10, 18, 30) },
    { name: 'Radio (Free) Asia', abbr: 'rfa', count: 0, latest: null },
  ];
  const a = renderReadme(sites, { feeds: true, site: true });
  assert.match(a, /^# .+\n\n/);
  assert.ok(a.includes('\n[美国之音](lists/美国之音.md) — 6 篇，最新 2022-09-11\n\n'), a);
  assert.ok(a.includes('\n[Radio (Free) Asia](lists/Radio%20%28Free%29%20Asia.md)\n\n'), a);
  assert.ok(a.includes('(feeds/all.xml)') && a.includes('(feeds/voa.xml)') && !a.includes('feeds/rfa.xml'));
  assert.ok(a.includes('(site/index.html)'));
  assert.ok(a.endsWith('\n') && /版权归原作者所有/.test(a));
  assert.ok(!a.includes(String(new Date().getUTCFullYear())), 'nothing taken from the clock');
  assert.equal(renderReadme(sites, { feeds: true, site: true }), a);
  const plain = renderReadme(sites);
  assert.ok(!plain.includes('feeds/') && !plain.includes('site/index.html'));
});
