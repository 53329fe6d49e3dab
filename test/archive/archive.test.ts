/** The archive format, byte for byte: the seed round-trips; an archive in the original layout imports and continues. */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, mkdirSync, unlinkSync, existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { flattenBody, parseArticleFile, renderArticleFile, renderList, writeFileAtomic } from '../../src/archive/index.js';
import { NewsmirrorError } from '../../src/errors.js';
import { articleFiles, cli, rss, snapshot, startFeedServer, tempDir, writeConfig } from '../pipeline/harness.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SEED = path.join(FIXTURES, 'seed', '000_27822f79dc96baa0.txt');
const ORIGINAL = path.join(FIXTURES, 'archive-original');
const SITES = [
  { name: '美国之音', abbr: 'voa' },
  { name: 'BBC', abbr: 'bbc' },
];

test('the seed article round-trips byte for byte', () => {
  const bytes = readFileSync(SEED, 'utf8');
  const a = parseArticleFile(bytes, SEED);
  assert.equal(a.published, 1662557943000);
  assert.equal(a.title, '俄官员证实普京与习近平下周将在乌兹别克斯坦举行会晤');
  assert.equal(a.link, 'https://www.voachinese.com/a/putin-xi-to-meet-in-uzbekistan-next-week-official-says-20220907/6734733.html');
  assert.ok(a.body.startsWith('<div><i>Wed, 07 Sep 2022 13:31:51 GMT</i></div>'));
  assert.equal(renderArticleFile(a), bytes);
  assert.equal(renderArticleFile(parseArticleFile(renderArticleFile(a), 'x')), bytes);
});

test('titles with ] [ \\ < and links with parentheses survive the Markdown round trip', () => {
  const a = { published: 1, title: '  A ] b [c] \\ <script>\n second ', link: 'https://x.example/a(1) b', body: '<p>x</p>' };
  const text = renderArticleFile(a);
  assert.equal(text.split('\n')[1], '[A \\] b \\[c\\] \\\\ \\<script\\> second](https://x.example/a%281%29%20b)');
  const back = parseArticleFile(text, 'f.md');
  assert.equal(back.title, 'A ] b [c] \\ <script> second');
  assert.equal(back.link, 'https://x.example/a%281%29%20b');
});

test('corrupt files are refused with a one-line error naming the file', () => {
  for (const [text, why] of [
    ['hello', /fewer than 3 lines/],
    ['<!--x-->\n[a](b)\n------\n\nbody\n', /timestamp/],
    ['<!--1-->\nno link\n------\n\nbody\n', /\[title\]\(link\)/],
    ['<!--1-->\n[a](b)\n=====\n\nbody\n', /------/],
  ] as const) {
    assert.throws(() => parseArticleFile(text, 'articles/x/1.md'), (e: unknown) => e instanceof NewsmirrorError && e.code === 'corrupt_archive' && why.test(e.message) && e.message.startsWith('articles/x/1.md: '));
  }
});

test('flattenBody makes one line, trimming lines like the original, keeping English words apart', () => {
  assert.equal(flattenBody('  <p>中文\n  内容</p>\n\n<p>a</p>  '), '<p>中文内容</p><p>a</p>');
  assert.equal(flattenBody('<p>hello\nworld</p>'), '<p>hello world</p>');
});

test('renderList matches the original list layout', () => {
  const list = renderList('美国之音', [
    { title: 'b', published: 1662686400000, path: 'articles/voa/1048574.md' },
    { title: 'a', published: 1662557943000, path: 'articles/voa/1048575.md' },
  ]);
  assert.equal(list, '美国之音\n------\n\n9-9 [b](/articles/voa/1048574.md)\n\n9-7 [a](/articles/voa/1048575.md)\n\n');
});

test('writeFileAtomic replaces whole files, and touches nothing when the bytes are the same', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'a', 'b.md');
  assert.equal(await writeFileAtomic(f, 'one'), true);
  assert.equal(await writeFileAtomic(f, 'one'), false);
  assert.equal(await writeFileAtomic(f, 'two'), true);
  assert.equal(readFileSync(f, 'utf8'), 'two');
});

test('an archive in the original layout imports untouched, re-renders its lists byte for byte, and continues', async () => {
  const dir = tempDir();
  const archive = path.join(dir, 'archive');
  cpSync(ORIGINAL, archive, { recursive: true });
  const server = await startFeedServer();
  try {
    writeConfig(dir, [
      { name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` },
      { name: 'BBC', abbr: 'bbc', feed: `${server.origin}/bbc.xml` },
    ], 'fullText: never');
    const before = snapshot(archive);
    const imp = await cli(['import', '--json'], dir);
    assert.equal(imp.code, 0, imp.stderr);
    const rep = JSON.parse(imp.stdout);
    assert.equal(rep.files, 7);
    assert.equal(rep.indexed, 7);
    assert.equal(rep.sites.voa.minId, 1048571);
    assert.equal(rep.sites.bbc.folder, 'BBC');
    assert.deepEqual(snapshot(archive), before, 'import writes nothing in the archive');

    // Lists rendered from the index are the original's lists, byte for byte.
    assert.equal((await cli(['render', '--no-site'], dir)).code, 0);
    for (const list of ['lists/美国之音.md', 'lists/BBC.md']) {
      assert.equal(readFileSync(path.join(archive, list), 'utf8'), readFileSync(path.join(ORIGINAL, list), 'utf8'), list);
    }
    const readme = readFileSync(path.join(archive, 'README.md'), 'utf8');
    assert.ok(readme.includes('[美国之音](lists/美国之音.md)') && readme.includes('[BBC](lists/BBC.md)'));

    // The feeds serve stories already archived (the seed, the one stored twice by the original) and new ones.
    const seed = parseArticleFile(readFileSync(SEED, 'utf8'), 'seed');
    server.routes.set('/voa.xml', { body: rss('VOA', [
      { title: seed.title, link: seed.link, pubDate: new Date(seed.published).toUTCString(), body: seed.body },
      { title: '台湾举行年度汉光军演', link: 'https://www.voachinese.com/a/taiwan-han-kuang-20220909/6736002.html?utm_source=rss', pubDate: 'Sat, 10 Sep 2022 01:00:00 GMT', body: '<p>台湾星期五举行年度汉光军事演习。</p><p>（更新）</p>' },
      { title: '全新的报道', link: 'https://www.voachinese.com/a/new-20220911/6738000.html', pubDate: 'Sun, 11 Sep 2022 01:00:00 GMT', body: '<p>新内容。</p>' },
    ]) });
    server.routes.set('/bbc.xml', { body: rss('BBC', [
      { title: '英国女王伊丽莎白二世去世', link: 'https://www.bbc.com/zhongwen/simp/world-62843261', pubDate: 'Thu, 08 Sep 2022 18:00:00 GMT', body: '<p>英国王室宣布，女王伊丽莎白二世在苏格兰巴尔莫勒尔城堡去世。</p>' },
      { title: '英国新首相组阁', link: 'https://www.bbc.com/zhongwen/simp/uk-62860000', pubDate: 'Mon, 12 Sep 2022 01:00:00 GMT', body: '<p>新首相公布内阁名单。</p>' },
    ]) });
    const run = await cli(['run', '--no-progress', '--json'], dir);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = JSON.parse(run.stdout);
    const by = Object.fromEntries(report.sites.map((s: { abbr: string }) => [s.abbr, s]));
    assert.equal(by.voa.new, 1, JSON.stringify(by.voa));
    assert.equal(by.bbc.new, 1, JSON.stringify(by.bbc));
    // Ids continue (smallest minus one) in the folders the archive already uses.
    assert.deepEqual(articleFiles(archive, 'voa'), ['1048570.md', '1048571.md', '1048572.md', '1048573.md', '1048574.md', '1048575.md']);
    assert.ok(existsSync(path.join(archive, 'articles/BBC/1048573.md')));
    assert.ok(!existsSync(path.join(archive, 'articles/bbc')), 'no second folder for the same site');
    // The seed, served again unchanged, keeps its bytes.
    assert.equal(readFileSync(path.join(archive, 'articles/voa/1048575.md'), 'utf8'), readFileSync(SEED, 'utf8'));
    assert.match(readFileSync(path.join(archive, 'lists/美国之音.md'), 'utf8'), /^美国之音\n------\n\n9-11 \[全新的报道\]\(\/articles\/voa\/1048570\.md\)\n\n/);
    const verify = await cli(['verify'], dir);
    assert.equal(verify.code, 0, verify.stdout);
  } finally {
    await server.close();
  }
});

test('import reports and skips a corrupt file without touching it; unknown folders keep their own ids', async () => {
  const dir = tempDir();
  const archive = path.join(dir, 'archive');
  cpSync(ORIGINAL, archive, { recursive: true });
  writeFileSync(path.join(archive, 'articles/voa/1048560.md'), 'garbage\n');
  mkdirSync(path.join(archive, 'articles/rfa'), { recursive: true });
  writeFileSync(path.join(archive, 'articles/rfa/1048575.md'), renderArticleFile({ published: 1, title: 't', link: 'https://rfa.example/1', body: 'b' }));
  writeConfig(dir, SITES.map((s) => ({ ...s, feed: 'http://127.0.0.1:9/x.xml' })));
  const r = await cli(['import', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.indexed, 8);
  assert.equal(rep.skipped.length, 1);
  assert.match(rep.skipped[0].reason, /^articles\/voa\/1048560\.md: not an article file/);
  assert.equal(readFileSync(path.join(archive, 'articles/voa/1048560.md'), 'utf8'), 'garbage\n');
  assert.equal(rep.sites.rfa.minId, 1048575);
});

test('verify finds temp files, missing and unindexed files; --repair rebuilds the index from the files', async () => {
  const dir = tempDir();
  const archive = path.join(dir, 'archive');
  cpSync(ORIGINAL, archive, { recursive: true });
  writeConfig(dir, SITES.map((s) => ({ ...s, feed: 'http://127.0.0.1:9/x.xml' })));
  assert.equal((await cli(['import'], dir)).code, 0);
  assert.equal((await cli(['verify'], dir)).code, 0);
  writeFileSync(path.join(archive, 'articles/voa/.1048570.md.123-abcd.nmtmp'), 'partial');
  unlinkSync(path.join(archive, 'articles/voa/1048571.md'));
  const bad = await cli(['verify', '--json'], dir);
  assert.equal(bad.code, 1);
  const { problems, warnings } = JSON.parse(bad.stdout) as { problems: string[]; warnings: string[] };
  assert.ok(problems.some((p) => /1048571\.md: in the index but the file is missing/.test(p)), problems.join('\n'));
  assert.ok(warnings.some((p) => /nmtmp: temp file left by an interrupted write/.test(p)), warnings.join('\n'));
  assert.equal((await cli(['verify', '--repair'], dir)).code, 0);
  const again = await cli(['verify', '--json'], dir);
  assert.deepEqual(JSON.parse(again.stdout).problems, []);
  assert.deepEqual(JSON.parse(again.stdout).warnings, []);
  assert.ok(!existsSync(path.join(archive, 'articles/voa/.1048570.md.123-abcd.nmtmp')));
});
