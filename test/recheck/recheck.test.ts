/**
 * Re-checks (issue 13, requirements 3 and 4) through the real CLI with --now, against a loopback site whose
 * pages are edited, deleted (404, 410, redirect home), restored and made to fail.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseArticleFile } from '../../src/archive/index.js';
import { H, T0, assertConsistent, startFeedServer, startSite, story } from './site.js';

const server = await startFeedServer();
after(() => server.close());

const DAY = 24 * H;
const file = (archive: string, i: number) => parseArticleFile(readFileSync(path.join(archive, `articles/test/${0xffffe - i}.md`), 'utf8'), 'a');

test('the schedule backs off (1h, 6h, 1d, 3d, 7d, 30d) and stops; edits of a page become revisions', async () => {
  const s = await startSite(server, 3);
  await s.run(T0, ['--no-recheck']);
  assert.equal((await s.recheck(T0 + 0.5 * H)).due, 0);
  const r1 = await s.recheck(T0 + H);
  assert.deepEqual([r1.checked, r1.outcomes.unchanged], [3, 3]);
  for (const k of ['unchanged', 'edited', 'suspected', 'gone', 'back', 'unreachable', 'skipped']) assert.equal(typeof r1.outcomes[k], 'number');
  assert.equal((await s.recheck(T0 + 2 * H)).due, 0, 'the 1 h step is done');
  // The source edits one body and one title.
  const body = story(0);
  body.paragraphs[1] = '反对者说，这项法案将使财政赤字翻倍，并要求立即撤回。';
  s.show(0, body);
  s.show(1, { ...story(1), title: '预算法案报道 1（更正）' });
  const r2 = await s.recheck(T0 + 6 * H);
  assert.deepEqual([r2.checked, r2.outcomes.edited, r2.outcomes.unchanged], [3, 2, 1]);
  assert.deepEqual(s.revisions(), [`test/${0xffffd}/${T0}.md`, `test/${0xffffe}/${T0}.md`]);
  assert.match(file(s.archive, 0).body, /翻倍/);
  assert.equal(file(s.archive, 1).title, '预算法案报道 1（更正）');
  assert.match(parseArticleFile(readFileSync(path.join(s.archive, `revisions/test/${0xffffe}/${T0}.md`), 'utf8'), 'r').body, /增加财政赤字/);
  const pageHtml = readFileSync(path.join(s.archive, `site/test/${0xffffe}.html`), 'utf8');
  assert.match(pageHtml, /原文已修改 \/ edited at the source/);
  assert.match(pageHtml, /<del>/);
  for (const at of [DAY, 3 * DAY, 7 * DAY, 30 * DAY]) {
    const r = await s.recheck(T0 + at);
    assert.deepEqual([r.checked, r.outcomes.unchanged], [3, 3], `step at ${at / H} h`);
  }
  assert.equal((await s.recheck(T0 + 61 * DAY)).due, 0, 'no check after the last step');
  assert.equal(s.revisions().length, 2, 'unchanged checks write nothing');
  await assertConsistent(s.dir);
});

test('gone needs two sightings an hour apart; 404 once, 503 and timeouts are never gone; a story comes back', async () => {
  const s = await startSite(server, 6);
  await s.run(T0, ['--no-recheck']);
  s.set(0, { status: 404, body: 'not found', type: 'text/html' });
  s.set(1, { status: 410, body: 'gone', type: 'text/html' });
  s.set(2, { status: 302, headers: { location: '/' }, type: 'text/html' });
  s.set(3, { status: 404, body: 'not found', type: 'text/html' });
  s.set(4, { status: 503, body: 'busy', type: 'text/html' });
  s.set(5, { delayMs: 2500, body: 'late', type: 'text/html' });
  const r1 = await s.recheck(T0 + H);
  assert.deepEqual([r1.outcomes.suspected, r1.outcomes.unreachable, r1.outcomes.gone], [4, 2, 0]);
  assert.equal(s.status(0).state, 'suspect');
  assert.equal(s.status(4), null, 'unreachable is no history');
  assert.doesNotMatch(readFileSync(path.join(s.archive, 'lists/测试.md'), 'utf8'), /原文已删除/);
  // The 404 was a glitch; the flapping and slow pages are fine again.
  s.show(3, story(3));
  s.show(4, story(4));
  s.show(5, story(5));
  assert.equal((await s.recheck(T0 + 1.5 * H)).due, 0, 'confirmation waits an hour');
  const r2 = await s.recheck(T0 + 2 * H);
  assert.deepEqual([r2.outcomes.gone, r2.outcomes.unchanged], [3, 3]);
  for (const i of [0, 1, 2]) {
    assert.equal(s.status(i).state, 'gone');
    assert.equal(s.status(i).goneSince, T0 + H);
  }
  assert.equal(s.status(3).state, 'live');
  const list = readFileSync(path.join(s.archive, 'lists/测试.md'), 'utf8');
  assert.equal(list.match(/〔原文已删除〕/g)?.length, 3);
  assert.match(list, /^3-1 \[〔原文已删除〕预算法案报道 0\]\(\/articles\/test\/1048574\.md\)$/m);
  assert.match(readFileSync(path.join(s.archive, `site/test/${0xffffe}.html`), 'utf8'), /原文已删除 \/ removed at the source on <time datetime="2024-03-01T01:00:00.000Z">2024-03-01<\/time>/);
  const removed = readFileSync(path.join(s.archive, 'site/removed.html'), 'utf8');
  assert.equal(removed.match(/<li>/g)?.length, 3);
  assert.doesNotMatch(removed, /预算法案报道 3/);
  assert.equal(readFileSync(path.join(s.archive, 'feeds/removed.xml'), 'utf8').match(/<entry>/g)?.length, 3);
  // The article stays readable in the mirror, byte for byte.
  assert.match(file(s.archive, 0).body, /第0篇/);
  // One comes back at the next step.
  s.show(0, story(0));
  const r3 = await s.recheck(T0 + DAY);
  assert.deepEqual([r3.outcomes.back, r3.outcomes.gone], [1, 2]);
  assert.equal(s.status(0).state, 'live');
  assert.deepEqual(s.status(0).events.map((e: { event: string }) => e.event), ['suspected', 'gone', 'back']);
  assert.doesNotMatch(readFileSync(path.join(s.archive, `site/test/${0xffffe}.html`), 'utf8'), /原文已删除/);
  assert.equal(s.revisions().length, 0, 'deletions and returns are no versions');
  await assertConsistent(s.dir);
});

test('a feed-bodied article: the first check sets the page baseline, a later edit is a revision', async () => {
  const s = await startSite(server, 1, { fullText: 'never' });
  // The page carries more than the feed did: no edit.
  s.show(0, { ...story(0), paragraphs: [...story(0).paragraphs, '（记者：某某）'] });
  await s.run(T0, ['--no-recheck']);
  const first = await s.recheck(T0 + H);
  assert.equal(first.outcomes.unchanged, 1, JSON.stringify(first));
  s.show(0, { ...story(0), paragraphs: ['全文已更新：法案被否决。', ...story(0).paragraphs.slice(1)] });
  assert.equal((await s.recheck(T0 + 6 * H)).outcomes.edited, 1);
  assert.equal(s.revisions().length, 1);
  assert.match(file(s.archive, 0).body, /法案被否决/);
});

test('a run re-checks a bounded share (config recheck.perRun), and reports it', async () => {
  const s = await startSite(server, 5, { extra: 'fetch: {timeoutSeconds: 1, connectTimeoutSeconds: 1, retries: 1}\nrecheck: {perRun: 2, schedule: [1h, 1d]}' });
  await s.run(T0);
  const r = await s.run(T0 + H);
  assert.deepEqual([r.recheck.due, r.recheck.checked], [5, 2]);
  const r2 = await s.run(T0 + 2 * H);
  assert.deepEqual([r2.recheck.due, r2.recheck.checked], [3, 2]);
  // Steps come from the config: nothing due between 1 h and 1 d once done.
  await s.run(T0 + 3 * H);
  assert.equal((await s.run(T0 + 4 * H)).recheck.due, 0);
});

test('a page with an ETag is re-checked conditionally: 304 is unchanged, a new ETag brings the edit', async () => {
  const { createServer } = await import('node:http');
  const { page } = await import('./site.js');
  const { cli, rss, tempDir, writeConfig } = await import('../pipeline/harness.js');
  let version = { etag: '"v1"', html: page(story(0)) };
  let notModified = 0;
  let origin = '';
  const host = createServer((req, res) => {
    if (req.url === '/feed.xml') {
      const item = { title: story(0).title, link: `${origin}/a/0.html`, guid: 'e-0', pubDate: new Date(T0 - 60_000).toUTCString(), body: '<p>摘要</p>' };
      return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('测试', [item]));
    }
    if (req.headers['if-none-match'] === version.etag) {
      notModified++;
      return void res.writeHead(304, { etag: version.etag }).end();
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: version.etag }).end(version.html);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  after(() => host.close());
  origin = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  const dir = tempDir('nm-etag-');
  writeConfig(dir, [{ name: '测试', abbr: 'test', feed: `${origin}/feed.xml`, fullText: 'always' }]);
  const recheck = async (at: number) => JSON.parse((await cli(['recheck', '--json', '--now', new Date(at).toISOString()], dir)).stdout);
  assert.equal((await cli(['run', '--no-recheck', '--no-progress', '--now', new Date(T0).toISOString()], dir)).code, 0);
  assert.equal((await recheck(T0 + H)).outcomes.unchanged, 1);
  assert.equal((await recheck(T0 + 6 * H)).outcomes.unchanged, 1);
  assert.equal(notModified, 1);
  version = { etag: '"v2"', html: page({ ...story(0), title: '预算法案报道 0（已更新）' }) };
  assert.equal((await recheck(T0 + DAY)).outcomes.edited, 1);
  assert.equal(file(path.join(dir, 'archive'), 0).title, '预算法案报道 0（已更新）');
});

test('a bad --now or recheck schedule is a one-line usage or config error (exit 2)', async () => {
  const { cli, writeConfig, tempDir } = await import('../pipeline/harness.js');
  const dir = tempDir('nm-recheck-args-');
  writeConfig(dir, [{ name: '测试', abbr: 'test', feed: `${server.origin}/none.xml` }], 'recheck: {schedule: [1h, soon]}');
  const bad = await cli(['recheck'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /newsmirror\.yaml: recheck\.schedule\[1\]: each step must be a duration like 15m, 6h or 3d\n$/);
  writeConfig(dir, [{ name: '测试', abbr: 'test', feed: `${server.origin}/none.xml` }]);
  for (const args of [['recheck', '--now', 'yesterday'], ['run', '--now', '2024-13-45']]) {
    const r = await cli(args, dir);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^newsmirror: --now: ".*" is not an ISO 8601 time/);
  }
});

test('the private-network guard holds for re-checks: such a link is skipped, never gone, and not asked again that step', async () => {
  const { cli, rss, tempDir } = await import('../pipeline/harness.js');
  const { writeFileSync } = await import('node:fs');
  const dir = tempDir('nm-recheck-guard-');
  server.routes.set('/guard/feed.xml', { body: rss('测试', [{ title: '本地链接', link: `${server.origin}/guard/a/0.html`, guid: 'g0', pubDate: new Date(T0 - 60_000).toUTCString(), body: `<p>${'正文'.repeat(300)}</p>` }]) });
  server.routes.set('/guard/a/0.html', { status: 404, body: 'x', type: 'text/html' });
  // Feeds are the maintainer's own choice; links inside them are not: loopback is refused for the page.
  writeFileSync(path.join(dir, 'newsmirror.yaml'), `archive: archive\nsites:\n  - {name: 测试, abbr: test, feed: "${server.origin}/guard/feed.xml", fullText: never}\n`);
  assert.equal((await cli(['run', '--no-recheck', '--no-progress', '--now', new Date(T0).toISOString()], dir)).code, 0);
  const r = JSON.parse((await cli(['recheck', '--json', '--now', new Date(T0 + H).toISOString()], dir)).stdout);
  assert.deepEqual([r.outcomes.skipped, r.outcomes.suspected, r.outcomes.gone], [1, 0, 0]);
  assert.equal(JSON.parse((await cli(['recheck', '--json', '--now', new Date(T0 + 2 * H).toISOString()], dir)).stdout).due, 0);
  assert.equal(server.hits.get('/guard/a/0.html') ?? 0, 0, 'the page was never requested');
});
