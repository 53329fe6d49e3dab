/**
 * Re-checks under faults (issue 13, requirement 6), through the real CLI: a recheck or a run killed by SIGKILL
 * mid-way, a page that flaps within one check, a redirect to a section page. Each converges: no version lost,
 * no duplicate revision file, nothing marked gone that is not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseArticleFile } from '../../src/archive/index.js';
import { createServer } from 'node:http';
import { BIN } from '../pipeline/harness.js';
import { H, T0, assertConsistent, iso, page, startFeedServer, startSite, story, type TestSite } from './site.js';

const server = await startFeedServer();
after(() => server.close());

const edited = (i: number) => ({ ...story(i), paragraphs: [`更正：第${i}篇报道的数字有误，现已修改。`, ...story(i).paragraphs.slice(1)] });

/** Start `args` and SIGKILL it once `ready()` holds (or when it ends by itself). */
function killWhen(args: string[], cwd: string, ready: () => boolean): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: 'ignore' });
    let killed = false;
    const poll = setInterval(() => {
      if (!killed && ready()) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('close', () => {
      clearInterval(poll);
      resolve({ killed });
    });
  });
}

function versionFiles(s: TestSite): number {
  return s.revisions().filter((f) => f.endsWith('.md') && !f.split('/').pop()!.startsWith('.')).length;
}

/** Every article holds the edited text, every story exactly one revision (the original), nothing is gone. */
function assertConverged(s: TestSite, count: number): void {
  const files = s.revisions();
  assert.equal(files.filter((f) => f.split('/').pop()!.startsWith('.')).length, 0, 'no temp file left');
  assert.equal(files.length, count, files.join('\n'));
  for (let i = 0; i < count; i++) {
    const id = 0xffffe - i;
    const mine = readdirSync(path.join(s.archive, 'revisions/test', String(id)));
    assert.deepEqual(mine.sort(), [`${T0}.md`, 'status.json'], `story ${i}`);
    assert.match(parseArticleFile(readFileSync(path.join(s.archive, `revisions/test/${id}/${T0}.md`), 'utf8'), 'r').body, new RegExp(`第${i}篇：`));
    assert.match(parseArticleFile(readFileSync(path.join(s.archive, `articles/test/${id}.md`), 'utf8'), 'a').body, /更正/);
    assert.equal(s.status(i).state, 'live');
  }
}

const COUNT = 30;
const SLOW = 'fetch: {timeoutSeconds: 2, connectTimeoutSeconds: 1, retries: 1, perHost: 2}';

for (const killAt of [1, 12, 25]) {
  test(`a recheck killed by SIGKILL after ${killAt} revisions converges on the next`, async () => {
    const s = await startSite(server, COUNT, { extra: SLOW });
    await s.run(T0, ['--no-recheck']);
    for (let i = 0; i < COUNT; i++) s.set(i, { body: page(edited(i)), type: 'text/html; charset=utf-8', delayMs: 40 });
    const { killed } = await killWhen(['recheck', '--json', '--now', iso(T0 + H)], s.dir, () => versionFiles(s) >= killAt);
    assert.ok(killed, 'killed mid-way');
    assert.ok(versionFiles(s) < COUNT, 'some work was left');
    const r = await s.recheck(T0 + H);
    assert.equal(r.outcomes.gone + r.outcomes.suspected, 0);
    assertConverged(s, COUNT);
    // Checked again later: nothing new to write.
    const again = await s.recheck(T0 + 6 * H);
    assert.equal(again.outcomes.unchanged, COUNT);
    assertConverged(s, COUNT);
    await assertConsistent(s.dir);
  });
}

test('a run killed by SIGKILL during its re-check share converges on the next run', async () => {
  const s = await startSite(server, COUNT, { extra: `${SLOW}\nrecheck: {perRun: 100}` });
  await s.run(T0);
  for (let i = 0; i < COUNT; i++) s.set(i, { body: page(edited(i)), type: 'text/html; charset=utf-8', delayMs: 40 });
  const { killed } = await killWhen(['run', '--no-progress', '--now', iso(T0 + H)], s.dir, () => versionFiles(s) >= 5);
  assert.ok(killed);
  const r = await s.run(T0 + H);
  assert.equal(r.recheck.outcomes.gone + r.recheck.outcomes.suspected, 0);
  assertConverged(s, COUNT);
  await assertConsistent(s.dir);
  assert.equal(readFileSync(path.join(s.archive, 'lists/测试.md'), 'utf8').match(/〔原文已修改〕/g)?.length, COUNT);
});

test('a page that fails then answers within one check is unchanged; a redirect to a section is a deletion', async () => {
  const s = await startSite(server, 3, { extra: 'fetch: {timeoutSeconds: 2, connectTimeoutSeconds: 1, retries: 2}' });
  await s.run(T0, ['--no-recheck']);
  // The first request of each check gets 503, the retry the page (the fetcher retries within the check).
  let hits = 0;
  const flappy = createServer((_req, res) => {
    hits++;
    if (hits % 2 === 1) res.writeHead(503).end('busy');
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(story(0)));
  });
  await new Promise<void>((r) => flappy.listen(0, '127.0.0.1', r));
  after(() => flappy.close());
  const port = (flappy.address() as { port: number }).port;
  // Story 0's page now lives on the flappy host (its link moved there with a permanent redirect).
  s.set(0, { status: 301, headers: { location: `http://127.0.0.1:${port}${s.prefix}/a/0.html` } });
  // Story 1's page redirects to its section.
  s.set(1, { status: 301, headers: { location: `${s.prefix}/a` } });
  server.routes.set(`${s.prefix}/a`, { body: '<html><body><h1>栏目</h1></body></html>', type: 'text/html; charset=utf-8' });
  const r1 = await s.recheck(T0 + H);
  assert.deepEqual([r1.outcomes.unchanged, r1.outcomes.suspected], [2, 1], JSON.stringify(r1));
  const r2 = await s.recheck(T0 + 2 * H);
  assert.equal(r2.outcomes.gone, 1);
  assert.equal(s.status(1).state, 'gone');
  assert.equal(s.status(0), null, 'the flapping page has no history');
  assert.ok(hits >= 2);
  assert.equal(existsSync(path.join(s.archive, `revisions/test/${0xffffe}`)), false);
});
