/**
 * Digests in an hourly run, through the real CLI against a loopback feed server: a run writes yesterday's and
 * today's digests (readers' days), the README and the website link the digests page, a run with nothing new
 * changes no byte, and a new article changes only its day's digest.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cli, rss, snapshot, startFeedServer, tempDir, writeConfig } from '../pipeline/harness.js';

const DAY = 86_400_000;
const ymd = (ms: number) => new Date(ms + 480 * 60_000).toISOString().slice(0, 10);

test('a run writes yesterday\'s and today\'s digests and links them; a no-op run changes no byte', async () => {
  const now = Date.now();
  // Dates a whole day apart, so that whatever the hour, one is today and one yesterday (GMT+8); plus one
  // from last week, which no hourly run writes.
  const today = now - 60_000;
  const yesterday = today - DAY;
  const lastWeek = today - 7 * DAY;
  const body = (s: string) => `<p>${s}${'这是一段新闻正文，用于检查每日文摘。'.repeat(6)}</p>`;
  const server = await startFeedServer({
    '/voa.xml': { body: rss('VOA', [
      { title: '今天的报道', link: 'https://news.example/voa/1', guid: 'v1', pubDate: new Date(today).toUTCString(), body: body('今天') },
      { title: '昨天的报道', link: 'https://news.example/voa/2', guid: 'v2', pubDate: new Date(yesterday).toUTCString(), body: body('昨天') },
      { title: '上周的报道', link: 'https://news.example/voa/3', guid: 'v3', pubDate: new Date(lastWeek).toUTCString(), body: body('上周') },
    ]) },
    '/bbc.xml': { body: rss('BBC', [{ title: 'BBC 今天的报道', link: 'https://news.example/bbc/1', guid: 'b1', pubDate: new Date(today).toUTCString(), body: body('英国') }]) },
  });
  try {
    const dir = tempDir('nm-digest-run-');
    writeConfig(dir, [
      { name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` },
      { name: 'BBC', abbr: 'bbc', feed: `${server.origin}/bbc.xml` },
    ], 'fullText: never');
    const first = await cli(['run', '--no-progress'], dir);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const archive = path.join(dir, 'archive');
    const digests = path.join(archive, 'site', 'digests');
    const at = (ms: number, ext: string) => path.join(digests, ymd(ms).slice(0, 4), ymd(ms).slice(5, 7), `${ymd(ms)}.${ext}`);
    const todays = readFileSync(at(today, 'html'), 'utf8');
    assert.match(todays, /今天的报道/);
    assert.match(todays, /BBC 今天的报道/);
    assert.doesNotMatch(todays, /昨天的报道|上周的报道/);
    assert.match(readFileSync(at(yesterday, 'html'), 'utf8'), /昨天的报道/);
    assert.ok(readFileSync(at(yesterday, 'epub')).length > 1000);
    assert.throws(() => readFileSync(at(lastWeek, 'html')), /ENOENT/, 'a run writes only yesterday and today');
    // Linked from the README (on the Git host) and from the website's index.
    const readme = readFileSync(path.join(archive, 'README.md'), 'utf8');
    assert.match(readme, /每日文摘 \/ Daily digests \(EPUB, HTML\): \[site\/digests\/index\.html\]\(site\/digests\/index\.html\)/);
    assert.match(readFileSync(path.join(archive, 'site', 'index.html'), 'utf8'), /<a href="digests\/index\.html">每日文摘 Daily digests<\/a>/);
    const page = readFileSync(path.join(digests, 'index.html'), 'utf8');
    assert.ok(page.includes(`href="${ymd(today).slice(0, 4)}/${ymd(today).slice(5, 7)}/${ymd(today)}.epub"`));
    assert.match(page, /<a href="\.\.\/index\.html">/, 'back to the website');

    // Nothing new: no byte changes anywhere.
    const before = snapshot(archive);
    const second = await cli(['run', '--no-progress'], dir);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(snapshot(archive), before);

    // A new article of today: today's digest changes, yesterday's does not.
    server.routes.set('/bbc.xml', { body: rss('BBC', [
      { title: 'BBC 今天的报道', link: 'https://news.example/bbc/1', guid: 'b1', pubDate: new Date(today).toUTCString(), body: body('英国') },
      { title: 'BBC 今天的第二篇', link: 'https://news.example/bbc/2', guid: 'b2', pubDate: new Date(today).toUTCString(), body: body('第二') },
    ]) });
    const third = await cli(['run', '--no-progress'], dir);
    assert.equal(third.code, 0, third.stderr);
    const after = snapshot(archive);
    const rel = (ms: number, ext: string) => path.relative(archive, at(ms, ext));
    assert.notEqual(after.get(rel(today, 'epub')), before.get(rel(today, 'epub')));
    assert.notEqual(after.get(rel(today, 'html')), before.get(rel(today, 'html')));
    assert.equal(after.get(rel(yesterday, 'epub')), before.get(rel(yesterday, 'epub')));
    assert.equal(after.get(rel(yesterday, 'html')), before.get(rel(yesterday, 'html')));
    assert.match(readFileSync(at(today, 'html'), 'utf8'), /BBC 今天的第二篇/);
  } finally {
    await server.close();
  }
});
