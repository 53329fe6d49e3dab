/**
 * The whole CLI (from source) over the fixture archive in the original layout: import, render the lists
 * byte for byte, then a run that continues the archive without duplicates and without touching old files.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseArticleFile } from '../../src/archive/index.js';
import { rss, startFeedServer, writeConfig } from '../pipeline/harness.js';
import { cli, copyOriginal, ORIGINAL, SEED, snapshot } from './helpers.js';

test('import, render and run continue an archive in the original layout', async () => {
  const archive = copyOriginal();
  const dir = path.dirname(archive);
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
    assert.equal(rep.files, 8);
    assert.equal(rep.indexed, 8);
    assert.equal(rep.sites.voa.minId, 1048570);
    assert.equal(rep.sites.bbc.folder, 'BBC');
    assert.deepEqual(snapshot(archive), before, 'import writes nothing in the archive');

    assert.equal((await cli(['render', '--no-site'], dir)).code, 0);
    for (const list of ['lists/美国之音.md', 'lists/BBC.md']) {
      assert.equal(readFileSync(path.join(archive, list), 'utf8'), readFileSync(path.join(ORIGINAL, list), 'utf8'), list);
    }
    const readme = readFileSync(path.join(archive, 'README.md'), 'utf8');
    assert.ok(readme.includes('[美国之音](lists/美国之音.md)') && readme.includes('[BBC](lists/BBC.md)'));

    // The feed serves stories already archived (the seed; the one the original stored twice) and new ones.
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
    // Ids continue (smallest minus one) in the folders the archive already uses; no third Han Kuang copy.
    assert.deepEqual(readdirSync(path.join(archive, 'articles/voa')).sort(), ['1048569.md', '1048570.md', '1048571.md', '1048572.md', '1048573.md', '1048574.md', '1048575.md']);
    assert.ok(existsSync(path.join(archive, 'articles/BBC/1048573.md')));
    assert.ok(!existsSync(path.join(archive, 'articles/bbc')), 'no second folder for the same site');
    // The seed, served again unchanged, keeps its bytes; so does the older copy of the twice-stored story.
    assert.equal(readFileSync(path.join(archive, 'articles/voa/1048575.md'), 'utf8'), readFileSync(SEED, 'utf8'));
    assert.equal(readFileSync(path.join(archive, 'articles/voa/1048573.md'), 'utf8'), readFileSync(path.join(ORIGINAL, 'articles/voa/1048573.md'), 'utf8'));
    assert.match(readFileSync(path.join(archive, 'lists/美国之音.md'), 'utf8'), /^美国之音\n------\n\n9-11 \[全新的报道\]\(\/articles\/voa\/1048569\.md\)\n\n9-11 \[成都封控延长/);
    const verify = await cli(['verify'], dir);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  } finally {
    await server.close();
  }
});
