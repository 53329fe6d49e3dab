/**
 * End-to-end runs through the real CLI against real loopback servers: the core mirror's promises.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { articleFiles, cli, rss, snapshot, startFeedServer, tempDir, writeConfig, type FeedServer } from './harness.js';

const LONG = (n: number) => `<p>${'这是一段足够长的新闻正文，用于测试镜像的存档行为。'.repeat(n)}</p>`;

const ITEMS = [
  { title: '俄官员证实普京与习近平下周将会晤', link: 'https://news.example/a/1.html', guid: 'g-1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: LONG(10) + '<img src="https://img.example/1.jpg"><div><small>图片说明</small></div>' },
  { title: '香港立法会通过新法案', link: 'https://news.example/a/2.html', guid: 'g-2', pubDate: 'Thu, 08 Sep 2022 01:00:00 GMT', body: LONG(12) },
  { title: '台湾海峡局势紧张', link: 'https://news.example/a/3.html', guid: 'g-3', pubDate: 'Thu, 08 Sep 2022 09:30:00 +0800', body: LONG(8) },
];

describe('core mirror, end to end', () => {
  let server: FeedServer;
  before(async () => {
    server = await startFeedServer();
  });
  after(async () => {
    await server.close();
  });

  test('first run archives in the format, second run changes no byte', async () => {
    server.routes.set('/voa.xml', { body: rss('VOA', ITEMS) });
    const dir = tempDir();
    writeConfig(dir, [{ name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` }], 'fullText: never');
    const first = await cli(['run', '--no-progress'], dir);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const archive = path.join(dir, 'archive');
    // Oldest gets the first id; newer stories get smaller ids and sort first.
    assert.deepEqual(articleFiles(archive, 'voa'), ['1048572.md', '1048573.md', '1048574.md']);
    const oldest = readFileSync(path.join(archive, 'articles/voa/1048574.md'), 'utf8');
    const lines = oldest.split('\n');
    assert.equal(lines[0], '<!--1662557511000-->');
    assert.equal(lines[1], '[俄官员证实普京与习近平下周将会晤](https://news.example/a/1.html)');
    assert.equal(lines[2], '------');
    assert.equal(lines[3], '');
    assert.ok(!lines[4]!.includes('\n'));
    assert.match(lines[4]!, /<img src="https:\/\/images\.weserv\.nl\?url=https%3A%2F%2Fimg\.example%2F1\.jpg"/);
    assert.equal(lines[5], '');
    assert.equal(lines.length, 6, 'one final newline');
    const list = readFileSync(path.join(archive, 'lists/美国之音.md'), 'utf8');
    assert.ok(list.startsWith('美国之音\n------\n\n9-8 [台湾海峡局势紧张](/articles/voa/1048572.md)\n\n'), list);
    assert.match(list, /9-7 \[俄官员证实普京与习近平下周将会晤\]\(\/articles\/voa\/1048574\.md\)/);
    const readme = readFileSync(path.join(archive, 'README.md'), 'utf8');
    assert.ok(readme.includes('[美国之音](lists/美国之音.md)'), readme);
    assert.match(first.stdout, /美国之音\s+ok\s+3\s+3\s+0\s+0/);

    const before = snapshot(archive);
    const second = await cli(['run', '--no-progress', '--json'], dir);
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout);
    assert.equal(report.totals.new, 0);
    assert.equal(report.totals.updated, 0);
    assert.equal(report.sites[0].unchanged, 3);
    assert.deepEqual(snapshot(archive), before, 'a run with nothing new changes no file');
  });

  test('dedupe: re-published with a newer date, tracking params, same title with another link; edits rewrite in place', async () => {
    server.routes.set('/dedupe.xml', { body: rss('D', ITEMS) });
    const dir = tempDir();
    writeConfig(dir, [{ name: 'D', abbr: 'd', feed: `${server.origin}/dedupe.xml` }], 'fullText: never');
    assert.equal((await cli(['run', '--no-progress'], dir)).code, 0);
    const archive = path.join(dir, 'archive');
    const republished = [
      // same guid, newer date
      { ...ITEMS[0]!, pubDate: 'Fri, 09 Sep 2022 10:00:00 GMT' },
      // same link with tracking parameters and a fragment, no guid
      { title: '香港立法会通过新法案（更新）', link: 'https://news.example/a/2.html?utm_source=rss&utm_medium=feed#top', body: ITEMS[1]!.body },
      // same title, different link, a day later
      { title: '台湾海峡局势紧张', link: 'https://mirror.example/story/3', pubDate: 'Fri, 09 Sep 2022 09:30:00 +0800', body: ITEMS[2]!.body },
      // a real new story
      { title: '全新报道', link: 'https://news.example/a/4.html', guid: 'g-4', pubDate: 'Sat, 10 Sep 2022 09:30:00 +0800', body: LONG(9) },
    ];
    server.routes.set('/dedupe.xml', { body: rss('D', republished) });
    const r = await cli(['run', '--no-progress', '--json'], dir);
    const report = JSON.parse(r.stdout);
    assert.equal(report.sites[0].new, 1, JSON.stringify(report.sites[0]));
    assert.deepEqual(articleFiles(archive, 'd'), ['1048571.md', '1048572.md', '1048573.md', '1048574.md']);
    // The edited title is rewritten in place, same id; the re-published date does not move the story.
    const two = readFileSync(path.join(archive, 'articles/d/1048573.md'), 'utf8');
    assert.match(two, /^<!--1662598800000-->\n\[香港立法会通过新法案（更新）\]/);
    const one = readFileSync(path.join(archive, 'articles/d/1048574.md'), 'utf8');
    assert.match(one, /^<!--1662557511000-->/);
  });

  test('one site fails (500, timeout, malformed) while the others complete; exit 1 with reasons', async () => {
    server.routes.set('/ok.xml', { body: rss('OK', ITEMS.slice(0, 2)) });
    server.routes.set('/500.xml', { status: 500, body: 'oops' });
    server.routes.set('/slow.xml', { delayMs: 8000, body: rss('S', ITEMS) });
    server.routes.set('/bad.xml', { body: '<html><body>not a feed</body></html>', type: 'text/html' });
    const dir = tempDir();
    writeConfig(
      dir,
      [
        { name: 'OK', abbr: 'ok', feed: `${server.origin}/ok.xml` },
        { name: 'Err', abbr: 'err', feed: `${server.origin}/500.xml` },
        { name: 'Slow', abbr: 'slow', feed: `${server.origin}/slow.xml` },
        { name: 'Bad', abbr: 'bad', feed: `${server.origin}/bad.xml` },
      ],
      'fullText: never',
    );
    const r = await cli(['run', '--no-progress', '--json'], dir);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    const by = Object.fromEntries(report.sites.map((s: { abbr: string }) => [s.abbr, s]));
    assert.equal(by.ok.status, 'ok');
    assert.equal(by.ok.new, 2);
    assert.equal(by.err.status, 'failed');
    assert.equal(by.err.errorCode, 'http_status');
    assert.match(by.err.error, /500\.xml.*500/);
    assert.equal(by.slow.errorCode, 'timeout');
    assert.equal(by.bad.errorCode, 'malformed_feed');
    assert.match(by.bad.error, /bad\.xml/);
    assert.equal(articleFiles(path.join(dir, 'archive'), 'ok').length, 2);
    // --fail-on never: the same run is a success for the scheduler.
    assert.equal((await cli(['run', '--no-progress', '--fail-on', 'never'], dir)).code, 0);
  });

  test('hostile HTML is cleaned; a title with / ] ( and a newline keeps the Markdown intact', async () => {
    const hostile = [
      {
        title: 'A/B ] tricky (title\nsecond line',
        link: 'https://news.example/a/x(1).html',
        guid: 'h-1',
        pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT',
        body: LONG(8) + '<script>alert(1)</script><img src="https://img.example/x.jpg" onerror="alert(2)"><a href="javascript:alert(3)">x</a><iframe src="https://evil.example/"></iframe><style>body{}</style>',
      },
    ];
    server.routes.set('/hostile.xml', { body: rss('H', hostile) });
    const dir = tempDir();
    writeConfig(dir, [{ name: 'H', abbr: 'h', feed: `${server.origin}/hostile.xml` }], 'fullText: never');
    assert.equal((await cli(['run', '--no-progress'], dir)).code, 0);
    const archive = path.join(dir, 'archive');
    const text = readFileSync(path.join(archive, 'articles/h/1048574.md'), 'utf8');
    assert.doesNotMatch(text, /<script|onerror|javascript:|<iframe|<style/i);
    const line2 = text.split('\n')[1]!;
    assert.equal(text.split('\n').length, 6);
    const m = /^\[((?:\\.|[^\]\\])*)\]\(([^()\s]*)\)$/.exec(line2);
    assert.ok(m, `line 2 is one Markdown link: ${line2}`);
    assert.equal(m[1]!.replace(/\\(.)/g, '$1'), 'A/B ] tricky (title second line');
    const list = readFileSync(path.join(archive, 'lists/H.md'), 'utf8');
    assert.match(list, /\[A\/B \\\] tricky \(title second line\]\(\/articles\/h\/1048574\.md\)/);
  });

  test('GBK and Big5 feeds decode correctly end to end', async () => {
    const gbk = iconv.encode(rss('BBC中文', [{ title: '简体中文标题：经济增长放缓', link: 'https://news.example/gbk/1', guid: 'gbk-1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: LONG(8) }], 'GBK'), 'gbk');
    const big5 = iconv.encode(rss('法廣', [{ title: '繁體中文標題：颱風逼近臺灣', link: 'https://news.example/big5/1', guid: 'big5-1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: '<p>' + '繁體中文內容，測試編碼。'.repeat(30) + '</p>' }], 'Big5'), 'big5');
    server.routes.set('/gbk.xml', { body: gbk, type: 'application/xml' });
    server.routes.set('/big5.xml', { body: big5, type: 'text/xml' });
    const dir = tempDir();
    writeConfig(dir, [{ name: 'BBC', abbr: 'bbc', feed: `${server.origin}/gbk.xml` }, { name: '法广', abbr: 'rfi', feed: `${server.origin}/big5.xml` }], 'fullText: never');
    const r = await cli(['run', '--no-progress'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const archive = path.join(dir, 'archive');
    assert.match(readFileSync(path.join(archive, 'articles/bbc/1048574.md'), 'utf8'), /\[简体中文标题：经济增长放缓\]/);
    const big5Text = readFileSync(path.join(archive, 'articles/rfi/1048574.md'), 'utf8');
    assert.match(big5Text, /\[繁體中文標題：颱風逼近臺灣\]/);
    assert.match(big5Text, /繁體中文內容，測試編碼。/);
  });

  test('a bad config exits 2 with one line naming the file and key', async () => {
    const dir = tempDir();
    writeConfig(dir, [{ name: 'X', abbr: 'x', feed: 'not a url' }]);
    const r = await cli(['run', '--no-progress'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /newsmirror\.yaml: sites\[0\]\.feed: must be an absolute http\(s\) URL/);
    assert.ok(!existsSync(path.join(dir, 'archive')), 'nothing written');
    assert.equal((await cli(['run', '--bogus'], dir)).code, 2);
  });
});
