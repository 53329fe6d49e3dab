/**
 * A story is never overwritten by a different story: recurring titles (FT's daily round-up, with and without
 * guids), a re-publication under a new link, an edit. Real runs of the CLI against a loopback feed; every stored
 * file is compared byte for byte before and after.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseArticleFile } from '../../src/archive/index.js';
import { nearIdentical, NEAR_IDENTICAL, textSimilarity } from '../../src/identity/index.js';
import { cli, rss, startFeedServer, tempDir, writeConfig, type ItemSpec } from '../pipeline/harness.js';

const TITLE = '每日更新：全球新冠疫情追踪';
const day = (d: number) => new Date(Date.UTC(2020, 6, d, 2)).toUTCString();
// Real round-ups share their frame and differ in the day's news and figures.
const roundup = (d: number, cases: string, news: string) =>
  `<p>截至7月${d}日，全球累计确诊病例${cases}例。</p><p>${news}</p><p>金融时报中文网每日汇总全球疫情的最新进展，请读者关注。</p>`;

function files(archive: string): Map<string, string> {
  const dir = path.join(archive, 'articles/ft');
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

/** Every file of `before` still holds exactly its bytes in `after`, but `except`. */
function kept(before: Map<string, string>, after: Map<string, string>, except: string[] = []): void {
  for (const [f, bytes] of before) if (!except.includes(f)) assert.equal(after.get(f), bytes, `${f} lost nothing`);
}

test('textSimilarity: 5-character shingles over letters and digits; 0.9 makes near-identical', () => {
  const a = roundup(1, '10,000,000', '美国单日新增病例创新高，得克萨斯州和佛罗里达州情况严峻。');
  const b = roundup(2, '10,300,000', '印度确诊病例突破60万，孟买医院床位紧张。');
  assert.ok(textSimilarity(a, b) < 0.5, `two days of a round-up: ${textSimilarity(a, b)}`);
  const text = '美国单日新增病例创新高，得克萨斯州和佛罗里达州情况严峻。';
  assert.equal(textSimilarity(text, text.replace(/，/g, ' , ').replace(/。/g, '.')), 1, 'punctuation and spacing do not count');
  const typo = a.replace('情况严峻', '情况十分严峻');
  assert.ok(nearIdentical(a + a.repeat(3), typo + a.repeat(3)), `a one-word edit of a long text: ${textSimilarity(a + a.repeat(3), typo + a.repeat(3))}`);
  assert.equal(textSimilarity('', ''), 0, 'no text is no evidence');
  assert.equal(NEAR_IDENTICAL, 0.9);
});

test('recurring titles: daily round-ups with their own guids and links, and one without a guid, are each their own story', async () => {
  const dir = tempDir();
  const server = await startFeedServer();
  try {
    writeConfig(dir, [{ name: '金融时报', abbr: 'ft', feed: `${server.origin}/ft.xml` }], 'fullText: never\nimages: none');
    const archive = path.join(dir, 'archive');
    const d1: ItemSpec = { title: TITLE, link: 'https://www.ftchinese.com/story/001088001', guid: '001088001', pubDate: day(1), body: roundup(1, '10,000,000', '美国单日新增病例创新高，得克萨斯州和佛罗里达州情况严峻。') };
    const d2: ItemSpec = { title: TITLE, link: 'https://www.ftchinese.com/story/001088050', guid: '001088050', pubDate: day(2), body: roundup(2, '10,300,000', '印度确诊病例突破60万，孟买医院床位紧张。') };
    const d3: ItemSpec = { title: `${TITLE}！`, link: 'https://www.ftchinese.com/story/001088100', pubDate: day(3), body: roundup(3, '10,600,000', '巴西总统博索纳罗新冠病毒检测呈阳性。他此前多次淡化疫情的严重性，并拒绝佩戴口罩。巴西是全球疫情第二严重的国家，累计确诊超过160万例，死亡人数超过6.5万。圣保罗州和里约热内卢州的医疗系统承受巨大压力。') };

    server.routes.set('/ft.xml', { body: rss('FT', [d1]) });
    let r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    assert.equal(JSON.parse(r.stdout).totals.new, 1, r.stdout + r.stderr);
    const day1 = files(archive);

    // The next day the feed carries both days (own guid, own link, same title): the second is a new story.
    server.routes.set('/ft.xml', { body: rss('FT', [d2, d1]) });
    r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    let rep = JSON.parse(r.stdout).totals;
    assert.deepEqual([rep.new, rep.updated], [1, 0], r.stdout);
    const day2 = files(archive);
    kept(day1, day2);
    assert.equal(day2.size, 2);

    // Day three: no guid at all, the same title with different punctuation, its own link and text: new again.
    server.routes.set('/ft.xml', { body: rss('FT', [d3, d2, d1]) });
    r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    rep = JSON.parse(r.stdout).totals;
    assert.deepEqual([rep.new, rep.updated], [1, 0], r.stdout);
    const day3 = files(archive);
    kept(day2, day3);
    assert.equal(day3.size, 3);
    const bodies = [...day3.values()].map((t) => parseArticleFile(t, 'x').body);
    for (const news of ['得克萨斯州', '孟买', '博索纳罗']) assert.equal(bodies.filter((b) => b.includes(news)).length, 1, news);

    // Re-published under a new link (no guid), its title's punctuation changed, the same text: the same story,
    // no new file, no file changed.
    const moved: ItemSpec = { ...d3, title: TITLE, link: 'https://www.ftchinese.com/story/001088100?archive=1&page=2' };
    server.routes.set('/ft.xml', { body: rss('FT', [moved, d2, d1]) });
    r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    rep = JSON.parse(r.stdout).totals;
    assert.deepEqual([rep.new, rep.updated], [0, 0], r.stdout);
    kept(day3, files(archive));
    // …and once more with a word edited (near-identical text): still that story (no new file); the edit goes
    // into its own file as any edit does, and no other file changes.
    const edited: ItemSpec = { ...moved, link: 'https://www.ftchinese.com/story/001088100?page=3', body: d3.body!.replace('巨大压力', '极大压力') };
    assert.ok(nearIdentical(d3.body!, edited.body!), String(textSimilarity(d3.body!, edited.body!)));
    server.routes.set('/ft.xml', { body: rss('FT', [edited, d2, d1]) });
    r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    rep = JSON.parse(r.stdout).totals;
    assert.deepEqual([rep.new, rep.updated], [0, 1], r.stdout);
    const after = files(archive);
    assert.equal(after.size, 3);
    const ofD3 = [...day3].find(([, t]) => t.includes('博索纳罗'))![0];
    kept(day3, after, [ofD3]);
    assert.match(after.get(ofD3)!, /极大压力/);

    // Two round-ups of one title in the same feed, one day apart: both kept (a title is no duplicate by itself).
    const d4: ItemSpec = { title: TITLE, link: 'https://www.ftchinese.com/story/001088150', guid: '001088150', pubDate: day(4), body: roundup(4, '11,000,000', '东京新增确诊病例连续数日超过200例。') };
    const d5: ItemSpec = { title: TITLE, link: 'https://www.ftchinese.com/story/001088200', guid: '001088200', pubDate: day(5), body: roundup(5, '11,400,000', '澳大利亚墨尔本重新实施封城措施。') };
    server.routes.set('/ft.xml', { body: rss('FT', [d5, d4, edited]) });
    r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    rep = JSON.parse(r.stdout).totals;
    assert.deepEqual([rep.new, rep.updated], [2, 0], r.stdout);
    kept(after, files(archive));
    assert.equal((await cli(['verify'], dir)).code, 0);
  } finally {
    await server.close();
  }
});

test('an edit of an archived story (same guid and link) rewrites its own file in place; no other file changes', async () => {
  const dir = tempDir();
  const server = await startFeedServer();
  try {
    writeConfig(dir, [{ name: '金融时报', abbr: 'ft', feed: `${server.origin}/ft.xml` }], 'fullText: never\nimages: none');
    const archive = path.join(dir, 'archive');
    const a: ItemSpec = { title: TITLE, link: 'https://www.ftchinese.com/story/001088001', guid: '001088001', pubDate: day(1), body: roundup(1, '10,000,000', '美国单日新增病例创新高。') };
    const b: ItemSpec = { title: TITLE, link: 'https://www.ftchinese.com/story/001088050', guid: '001088050', pubDate: day(2), body: roundup(2, '10,300,000', '印度确诊病例突破60万。') };
    server.routes.set('/ft.xml', { body: rss('FT', [b, a]) });
    await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    const before = files(archive);
    const ofA = [...before].find(([, t]) => t.includes('001088001'))![0];
    server.routes.set('/ft.xml', { body: rss('FT', [b, { ...a, body: a.body!.replace('创新高。', '创新高，白宫呼吁民众佩戴口罩。') }]) });
    const r = await cli(['run', '--no-progress', '--json', '--no-render'], dir);
    const rep = JSON.parse(r.stdout).totals;
    assert.deepEqual([rep.new, rep.updated], [0, 1], r.stdout);
    const after = files(archive);
    assert.equal(after.size, 2, 'no second file for the edited story');
    kept(before, after, [ofA]);
    assert.match(after.get(ofA)!, /白宫呼吁民众佩戴口罩/, 'the edit is in the story’s own file (git keeps the version before)');
  } finally {
    await server.close();
  }
});
