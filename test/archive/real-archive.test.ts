/**
 * The real archive sample (duty-machine/news, 2020-07 and 2022 layouts), through the real CLI: import every
 * file, verify, a run that finds nothing new, render, and a run that continues it. Real files are compared
 * byte for byte; every shape and oddity of the sample has a test named after it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import url from 'node:url';
import { listShape, originalLinkPath, parseArticleFile, renderList } from '../../src/archive/index.js';
import { ArchiveIndex } from '../../src/identity/index.js';
import { importArchive, verifyArchive } from '../../src/archive/index.js';
import { startFeedServer, writeConfig, type FeedServer } from '../pipeline/harness.js';
import { cli, snapshot } from './helpers.js';
import { again, articlesOf, copyReal, feed, listLines, REAL, type FeedEntry } from './real.js';

const SITES = [
  { name: 'BBC', abbr: 'bbc' },
  { name: '德国之声', abbr: 'dw' },
  { name: '中国数字时代', abbr: 'cdt' },
  { name: '美国之音', abbr: 'voa' },
];
const CDT_CATEGORY = '[\\u00a9\\u00ae\\u2000-\\u3300\\u{1F000}-\\u{1FBFF}]';
const post = (id: number) => `https://chinadigitaltimes.net/chinese/?p=${0xfffff ^ id}`;
const HOUR = 3600_000;

function config(dir: string, server: FeedServer, extraSites: { name: string; abbr: string; feed: string }[] = []): void {
  writeConfig(
    dir,
    [
      { name: 'BBC', abbr: 'bbc', feed: `${server.origin}/bbc.xml` },
      { name: '德国之声', abbr: 'dw', feed: `${server.origin}/dw.xml` },
      { name: '中国数字时代', abbr: 'cdt', feed: `${server.origin}/cdt.xml`, ids: 'wordpress', include: { category: CDT_CATEGORY } } as never,
      { name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` },
      ...extraSites,
    ],
    'fullText: never\nimages: none',
  );
}

/** Which sha256 of `before` changed, vanished or appeared in `after`. */
function changes(before: Map<string, string>, after: Map<string, string>): { changed: string[]; added: string[]; removed: string[] } {
  const changed = [...before].filter(([k, v]) => after.has(k) && after.get(k) !== v).map(([k]) => k);
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const added = [...after.keys()].filter((k) => !before.has(k));
  return { changed, added, removed };
}

/** Lines of the original list whose file exists, and how many of them the new list has, unchanged and in order. */
function sameLines(root: string, original: string, now: string): { present: number; identical: number } {
  const lines = listLines(original).filter((l) => {
    const m = /\]\(\/articles\/(.*)\)$/s.exec(l)!;
    const folder = m[1]!.slice(0, m[1]!.indexOf('/'));
    return readdirSync(path.join(root, 'articles', folder)).some((f) => originalLinkPath(`${folder}/${f}`) === m[1]);
  });
  const mine = listLines(now);
  let at = 0;
  let identical = 0;
  for (const l of lines) {
    const i = mine.indexOf(l, at);
    if (i >= 0) {
      identical++;
      at = i + 1;
    }
  }
  return { present: lines.length, identical };
}

test('the whole sample: import indexes every file, verify finds nothing, a no-op run changes no byte, render keeps every line, a run continues it', async () => {
  const archive = copyReal();
  const dir = path.dirname(archive);
  const server = await startFeedServer();
  try {
    config(dir, server);
    const before = snapshot(archive);
    const filesInSample = [...before.keys()].filter((k) => k.startsWith('articles/')).length;
    assert.equal(filesInSample, 230, '228 files of the sample and the two with newlines in their names');

    // import: every file indexed (the second files of 399852 and 400166 as files of their stories), nothing skipped.
    const imp = await cli(['import', '--json'], dir);
    assert.equal(imp.code, 0, imp.stderr);
    const rep = JSON.parse(imp.stdout);
    assert.equal(rep.files, 230);
    assert.equal(rep.indexed, 230);
    assert.deepEqual(rep.skipped, []);
    assert.equal(rep.aliases, 2);
    assert.deepEqual(Object.fromEntries(Object.entries(rep.sites).map(([k, v]) => [k, (v as { folder: string }).folder])), { bbc: 'BBC', cdt: '中国数字时代', dw: '德国之声', voa: 'voa' });

    const verify = await cli(['verify', '--json'], dir);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.deepEqual(JSON.parse(verify.stdout).problems, []);

    // A run whose feeds bring back only stories the archive has: nothing new, no byte of the archive changed.
    const dw = articlesOf(archive, '德国之声');
    const cdt = articlesOf(archive, '中国数字时代');
    const bbc = articlesOf(archive, 'BBC');
    const voa = articlesOf(archive, 'voa');
    const cdtEntry = (f: (typeof cdt)[number], over: Partial<FeedEntry> = {}) => again(f.a, { guid: post(Number(f.name.slice(0, 6))), categories: ['【一周精选】'], ...over });
    server.routes.set('/dw.xml', { body: feed('DW', dw.slice(0, 10).map((f) => again(f.a))) });
    server.routes.set('/bbc.xml', { body: feed('BBC', bbc.slice(0, 10).map((f) => again(f.a))) });
    server.routes.set('/voa.xml', { body: feed('VOA', voa.map((f) => again(f.a))) });
    server.routes.set('/cdt.xml', { body: feed('CDT', cdt.slice(0, 20).map((f) => cdtEntry(f))) });
    const noop = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    assert.equal(noop.code, 0, noop.stderr + noop.stdout);
    const noopReport = JSON.parse(noop.stdout);
    assert.equal(noopReport.totals.new, 0, JSON.stringify(noopReport.sites.map((s: { abbr: string; new: number; notes: string[] }) => [s.abbr, s.new, s.notes])));
    assert.equal(noopReport.totals.updated, 0, JSON.stringify(noopReport.sites.map((s: { abbr: string; updated: number }) => [s.abbr, s.updated])));
    assert.deepEqual(snapshot(archive), before, 'import + verify + a run that finds nothing new: no byte changed, no file added');

    // render: for every file present, its list line is the original's, byte for byte, in the original's order.
    const lists = ['BBC', '德国之声', '中国数字时代', '美国之音'];
    const originals = Object.fromEntries(lists.map((l) => [l, readFileSync(path.join(REAL, 'lists', `${l}.md`), 'utf8')]));
    const render = await cli(['render', '--no-site'], dir);
    assert.equal(render.code, 0);
    assert.match(render.stderr, /README\.md has no newsmirror block, so it was left as it is/, 'the maintainer is told how to opt in');
    let present = 0;
    let identical = 0;
    for (const l of lists) {
      const now = readFileSync(path.join(archive, 'lists', `${l}.md`), 'utf8');
      const s = sameLines(archive, originals[l]!, now);
      present += s.present;
      identical += s.identical;
      assert.equal(s.identical, s.present, `${l}: every line of a present file is the original's`);
      // Entries of files not in the sample (stories the index never knew) stay as they were: the whole list is the original's bytes.
      assert.equal(now, originals[l], `${l}: render changes no byte of the list`);
      assert.equal(listShape(now).kind, listShape(originals[l]!).kind, `${l}: the list keeps its shape`);
    }
    assert.equal(present, 230);
    assert.equal(identical, 230);
    assert.equal(readFileSync(path.join(archive, 'lists/BBC.md'), 'utf8'), originals.BBC, 'BBC: every listed file is in the sample: the whole list is the same bytes');
    assert.equal(readFileSync(path.join(archive, 'README.md'), 'utf8'), readFileSync(path.join(REAL, 'README.md'), 'utf8'), 'the maintainer’s README is never touched');

    // Continue: the same stories again (tracking parameters, CDT's title edits), and new ones.
    const rendered = snapshot(archive);
    const t0 = Date.UTC(2020, 6, 2, 4);
    const ed = (t: string) => t.replace(/｜/g, '|').replace(/ \| /g, '｜');
    server.routes.set('/dw.xml', {
      body: feed('DW', [
        ...dw.slice(0, 10).map((f, i) => again(f.a, { link: i % 2 ? `${f.a.link}?utm_source=feedx&utm_medium=rss` : f.a.link })),
        { title: '德国新闻：新的一天', link: 'https://www.dw.com/zh/new-1/a-54020001', published: t0, body: '<p>第一条新的报道。</p>' },
        { title: '德国新闻：又一条', link: 'https://www.dw.com/zh/new-2/a-54020002', published: t0 + HOUR, body: '<p>第二条新的报道。</p>' },
      ]),
    });
    server.routes.set('/cdt.xml', {
      body: feed('CDT', [
        // CDT edits titles in place: ｜ and | and ： swapped, the two files of 400166 and of 399852 served under either title.
        ...cdt.slice(0, 20).map((f) => cdtEntry(f, { title: ed(f.a.title) })),
        ...cdt.filter((f) => /^(399852|400166)_/.test(f.name)).map((f) => cdtEntry(f)),
        { title: '【新帖】一篇新文章', link: 'https://chinadigitaltimes.net/chinese/2020/07/new-post/', guid: 'https://chinadigitaltimes.net/chinese/?p=650000', published: t0, body: '<p>新的帖子。</p>', categories: ['【一周精选】'] },
        { title: '不在镜像范围内', link: 'https://chinadigitaltimes.net/chinese/2020/07/other/', guid: 'https://chinadigitaltimes.net/chinese/?p=650001', published: t0, body: '<p>分类不符。</p>', categories: ['Other'] },
      ]),
    });
    server.routes.set('/voa.xml', {
      body: feed('VOA', [...voa.map((f) => again(f.a, { link: `${f.a.link}?utm_campaign=rss#top` })), { title: '美国之音新报道', link: 'https://www.voachinese.com/a/new-20220614/6700000.html', published: Date.UTC(2022, 5, 14), body: '<p>新的。</p>' }]),
    });
    server.routes.set('/rfa.xml', { body: feed('RFA', [{ title: '自由亚洲电台第一篇', link: 'https://www.rfa.org/mandarin/first.html', published: t0, body: '<p>第一篇。</p>' }]) });
    config(dir, server, [{ name: '自由亚洲电台', abbr: 'rfa', feed: `${server.origin}/rfa.xml` }]);
    const run = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = JSON.parse(run.stdout);
    const by = Object.fromEntries(report.sites.map((s: { abbr: string }) => [s.abbr, s])) as Record<string, { new: number; updated: number; notes: string[] }>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(by).map(([k, s]) => [k, [s.new, s.updated]])),
      { bbc: [0, 0], dw: [2, 0], cdt: [1, 0], voa: [1, 0], rfa: [1, 0] },
      JSON.stringify(report.sites.map((s: { abbr: string; notes: string[] }) => [s.abbr, s.notes])),
    );
    const after = snapshot(archive);
    const diff = changes(rendered, after);
    assert.deepEqual(diff.removed, []);
    // New stories: ids by each site's scheme, in the folders the archive already uses.
    assert.deepEqual(diff.added.filter((p) => p.startsWith('articles/')).sort(), [
      'articles/rfa/1048574.md', // a new site's first id: 0xFFFFF − 1, as the original
      'articles/voa/1032736.md', // the smallest id minus one
      'articles/中国数字时代/398575.md', // 0xFFFFF ^ 650000, the WordPress post id
      'articles/德国之声/1048143.md',
      'articles/德国之声/1048144.md',
    ]);
    assert.deepEqual(diff.added.filter((p) => !p.startsWith('articles/')), ['lists/自由亚洲电台.md']);
    // Nothing else changed but the lists of the sites that got an article; those only gained lines.
    assert.deepEqual(diff.changed.sort(), ['lists/中国数字时代.md', 'lists/德国之声.md', 'lists/美国之音.md'].sort());
    for (const l of ['德国之声', '中国数字时代', '美国之音']) {
      const old = listLines(readFileSync(path.join(REAL, 'lists', `${l}.md`), 'utf8'));
      const now = listLines(readFileSync(path.join(archive, 'lists', `${l}.md`), 'utf8'));
      const s = sameLines(archive, readFileSync(path.join(REAL, 'lists', `${l}.md`), 'utf8'), readFileSync(path.join(archive, 'lists', `${l}.md`), 'utf8'));
      assert.equal(s.identical, s.present, `${l}: the lines of the files it had are unchanged`);
      assert.ok(now.length > s.present && now.length <= old.length + 2, l);
      // Outside the lines it adds, a run changes no line of a list: every line stays (those of files not in the
      // sample too), but that a full list (listSize, 300) lets its oldest lines go, one per line it gains.
      const lost = old.filter((line) => !now.includes(line));
      const gained = now.filter((line) => !old.includes(line));
      assert.ok(gained.length > 0, l);
      assert.deepEqual(lost, old.length < 300 ? [] : old.slice(old.length - gained.length), `${l}: lines lost`);
    }
    const dwList = readFileSync(path.join(archive, 'lists/德国之声.md'), 'utf8');
    assert.ok(dwList.startsWith('德国之声\n------\n\n7-2 [德国新闻：又一条](/articles/德国之声/1048143.md)\n\n7-2 [德国新闻：新的一天](/articles/德国之声/1048144.md)\n\n7-1 [难兄难弟'), dwList.slice(0, 200));
    assert.ok(dwList.endsWith('\n\n\n[查看更多](/articles/德国之声)'), 'the old list keeps its footer, no final newline');
    assert.ok(!readFileSync(path.join(archive, 'lists/美国之音.md'), 'utf8').includes('查看更多'));
    assert.ok(by.cdt.notes.some((n) => /1 items left out: no category matches/.test(n)), by.cdt.notes.join('\n'));
    // The continued archive verifies, and a second run over the same feeds changes nothing.
    const v2 = await cli(['verify', '--json'], dir);
    assert.deepEqual(JSON.parse(v2.stdout).problems, []);
    const second = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    assert.equal(JSON.parse(second.stdout).totals.new, 0);
    assert.deepEqual(snapshot(archive), after, 'the next run over the same feeds changes no byte');
  } finally {
    await server.close();
  }
});

test('timestamp-less shape: [title](link) / ------ / 日期：<RFC 822>, dated by its 日期 line, listed without a date', async () => {
  const file = path.join(REAL, 'articles/中国数字时代/400093_质化研究 | 社会性别视角下的农村留守女性生命史.md');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith('[质化研究 | 社会性别视角下的农村留守女性生命史](https://chinadigitaltimes.net/'));
  const a = parseArticleFile(text, file);
  assert.equal(a.stamped, false);
  assert.equal(a.published, Date.parse('Sat, 27 Jun 2020 13:30:55 +0000'));
  assert.equal(a.title, '质化研究 | 社会性别视角下的农村留守女性生命史');
  assert.ok(a.body.startsWith('<') && !a.body.includes('日期：Sat'));
  const list = renderList('中国数字时代', [{ path: 'articles/中国数字时代/400093_质化研究 | 社会性别视角下的农村留守女性生命史.md', title: a.title, listTitle: a.rawTitle, undated: true, published: a.published }], { shape: { kind: 'old', footer: '[查看更多](/articles/中国数字时代)' } });
  assert.ok(readFileSync(path.join(REAL, 'lists/中国数字时代.md'), 'utf8').includes(listLines(list)[0]!));
  assert.equal(listLines(list)[0], '[质化研究 | 社会性别视角下的农村留守女性生命史](/articles/中国数字时代/400093_质化研究%20%7C%20社会性别视角下的农村留守女性生命史.md)');
});

test('timestamp line plus 日期 line (how the repository later rewrote 400246) imports; the timestamp wins', () => {
  const orig = readFileSync(path.join(REAL, 'articles/中国数字时代/400246_【麻辣总局】伏拉夫模式 • 开启.md'), 'utf8');
  const later = `<!--1593075520000-->\n${orig}`;
  assert.match(later, /^<!--1593075520000-->\n\[.*\]\(.*\)\n------\n日期：Thu, 25 Jun 2020 08:58:40 \+0000\n\n/);
  const a = parseArticleFile(later, '400246.md');
  assert.equal(a.stamped, true);
  assert.equal(a.published, 1593075520000);
  assert.equal(a.body, parseArticleFile(orig, 'x').body);
});

test('two files under one id (399852, 400166): one story, both files kept, listed and verified; the story served under either title rewrites neither; a post under a new slug is found by its WordPress id', async () => {
  const root = copyReal();
  const index = ArchiveIndex.open(root);
  try {
    const rep = await importArchive(root, index, SITES);
    assert.equal(rep.aliases, 2);
    for (const id of [399852, 400166]) {
      const files = [index.get('cdt', id)!.path, ...index.aliasPaths('cdt', id)];
      assert.equal(files.length, 2, String(id));
    }
    assert.equal(index.count('cdt'), 78, 'stories, not files');
    const entries = index.listEntries('cdt', 300);
    assert.equal(entries.length, 80, 'both files are listed, as the original listed them');
    const i = entries.findIndex((e) => e.id === 399852);
    assert.deepEqual(entries.slice(i, i + 2).map((e) => path.basename(e.path)), ['399852_【真理部】勿再使用“合村并居”表述 “高考冒名顶替”暂不报道.md', '399852_【真理部指令】勿再使用“合村并居”表述 “高考冒名顶替”暂不报道.md']);
    assert.deepEqual((await verifyArchive(root, index, { repair: false, sites: SITES })).problems, []);
  } finally {
    index.close();
  }
  // Served again, under either of its titles and with ｜ for ：, the story writes nothing.
  const dir = path.dirname(root);
  const server = await startFeedServer();
  try {
    config(dir, server);
    const cdt = articlesOf(root, '中国数字时代').filter((f) => /^(399852|400166)_/.test(f.name));
    const before = snapshot(root);
    // And another post under a new slug (CDT edits a title, and its slug with it): found by its WordPress id
    // (the guid), not stored twice, its file untouched.
    const other = articlesOf(root, '中国数字时代').find((f) => f.name.startsWith('400093_'))!;
    server.routes.set('/cdt.xml', {
      body: feed('CDT', [
        ...cdt.map((f) => again(f.a, { guid: post(Number(f.name.slice(0, 6))), categories: ['【真理部】'] })),
        again(cdt[2]!.a, { title: cdt[2]!.a.title.replace('：', '|'), guid: post(400166), categories: ['【真理部】'] }),
        again(other.a, { link: 'https://chinadigitaltimes.net/chinese/2020/06/new-slug/', guid: post(400093), categories: ['【404文库】'] }),
      ]),
    });
    for (const s of ['bbc', 'dw', 'voa']) server.routes.set(`/${s}.xml`, { body: feed(s, []) });
    const run = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    const r = JSON.parse(run.stdout);
    assert.equal(r.totals.new + r.totals.updated, 0, run.stdout);
    assert.deepEqual(snapshot(root), before);
  } finally {
    await server.close();
  }
});

test('names with trailing spaces, |, %, U+00A0 and newlines import and are linked as the original linked them (url.resolve)', async () => {
  const root = copyReal();
  // `%` appears in titles of the sample, not in its file names: one such name, as the original would write it.
  const pct = path.join(root, 'articles/德国之声/1048100_欧元区通胀升至2.5% 创新高.md');
  writeFileSync(pct, readFileSync(path.join(root, 'articles/德国之声/1048145_难兄难弟 台湾与“索马里兰”互送秋波.md')));
  const names = readdirSync(path.join(root, 'articles/德国之声'));
  const odd = {
    trailing: names.filter((n) => / \.md$/.test(n)),
    nbsp: names.filter((n) => n.includes('\u00a0')),
    newline: names.filter((n) => n.includes('\n')),
    percent: names.filter((n) => n.includes('%')),
    pipe: readdirSync(path.join(root, 'articles/中国数字时代')).filter((n) => n.includes('|')),
  };
  for (const [k, v] of Object.entries(odd)) assert.ok(v.length > 0, k);
  const index = ArchiveIndex.open(root);
  try {
    const rep = await importArchive(root, index, SITES);
    assert.deepEqual(rep.skipped, []);
    for (const n of Object.values(odd).flat()) {
      const folder = odd.pipe.includes(n) ? '中国数字时代' : '德国之声';
      assert.ok(index.get(folder === '德国之声' ? 'dw' : 'cdt', Number(/^\d+/.exec(n)![0])), n);
      // The original's rule, checked against the original's own function.
      assert.equal(originalLinkPath(`${folder}/${n}`), url.resolve('', `${folder}/${n}`), n);
    }
    const dwList = readFileSync(path.join(REAL, 'lists/德国之声.md'), 'utf8');
    assert.ok(dwList.includes('(/articles/德国之声/1048161_客座评论：不溯既往或是北京有意网开一面%0A.md)'));
    assert.ok(dwList.includes('[欧盟对15国开放边境  美俄不在列](/articles/德国之声/1048171_欧盟对15国开放边境%20\u00a0美俄不在列%20.md)') || dwList.includes('1048171_'));
    assert.equal(originalLinkPath('德国之声/1048100_欧元区通胀升至2.5% 创新高.md'), '德国之声/1048100_欧元区通胀升至2.5%%20创新高.md', '% stays raw');
    const lines = listLines(renderList('德国之声', index.listEntries('dw', 300), { shape: listShape(dwList) }));
    for (const l of listLines(dwList)) if (!l.includes('1048100_')) assert.ok(lines.includes(l) || !existsSync(path.join(root, 'articles/德国之声', decodeURIComponent(l))), l);
    const origLines = new Set(listLines(dwList));
    assert.equal(lines.filter((l) => origLines.has(l)).length, 82, 'all 82 files of 德国之声 in the sample: their lines are the original’s');
  } finally {
    index.close();
  }
});

test('originalLinkPath is url.resolve for every character class the legacy parser treats specially', () => {
  for (const p of ['a/b c.md', 'a/b\tc\r\n.md', 'a/"\'<>^`{|}.md', 'a/b\\c.md', 'a/b?c\\d #e.md', 'a/b#c d.md', 'a/\u00a0x\u00a0.md', 'a/%41%.md', 'a/中文：？.md', ' a/b.md\u00a0', 'a/b\ufeff.md', 'a/😀.md']) {
    assert.equal(originalLinkPath(p), url.resolve('', p), JSON.stringify(p));
  }
});

test('the old 100-entry list keeps its [查看更多] footer and no final newline; a current list ends in a blank line', () => {
  const old = readFileSync(path.join(REAL, 'lists/德国之声.md'), 'utf8');
  const cur = readFileSync(path.join(REAL, 'lists/美国之音.md'), 'utf8');
  assert.deepEqual(listShape(old), { kind: 'old', footer: '[查看更多](/articles/德国之声)' });
  assert.deepEqual(listShape(cur), { kind: 'current' });
  const e = [{ path: 'articles/德国之声/1048145_难兄难弟 台湾.md', title: '难兄难弟 台湾', listTitle: null, published: Date.UTC(2020, 6, 1), undated: false }];
  assert.equal(renderList('德国之声', e, { shape: listShape(old) }), '德国之声\n------\n\n7-1 [难兄难弟 台湾](/articles/德国之声/1048145_难兄难弟%20台湾.md)\n\n\n[查看更多](/articles/德国之声)');
  assert.equal(renderList('德国之声', e, { shape: listShape(cur) }), '德国之声\n------\n\n7-1 [难兄难弟 台湾](/articles/德国之声/1048145_难兄难弟%20台湾.md)\n\n');
  // The old shape titles entries by the file name (as that version of generateList did), stripped.
  const t = renderList('x', [{ path: 'articles/x/1_名字里的标题 .md', title: '文件里的标题', listTitle: '文件里的标题', published: 0, undated: false }], { shape: listShape(old) });
  assert.ok(t.includes('[名字里的标题](/articles/x/1_名字里的标题%20.md)'));
});

test('an index made by an earlier version (no list columns) is imported again by the next run, filling what it skipped', async () => {
  const root = copyReal();
  let index = ArchiveIndex.open(root);
  await importArchive(root, index, SITES);
  index.db.exec('ALTER TABLE articles DROP COLUMN list_title; ALTER TABLE articles DROP COLUMN undated');
  index.close();
  index = ArchiveIndex.open(root);
  try {
    assert.equal(index.getMeta('imported'), null, 'the next run (ensureImported) imports again');
    const rep = await importArchive(root, index, SITES);
    assert.deepEqual(rep.skipped, []);
    assert.equal(index.get('cdt', 400093)!.undated, true);
  } finally {
    index.close();
  }
});
