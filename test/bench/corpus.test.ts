/** The bench corpora are deterministic and in the formats they claim. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Parser from 'rss-parser';
// @ts-expect-error: the bench is plain JavaScript (it measures the compiled dist/ in fresh processes)
import { feedXml, hourlyFeedXml, makeArchive, rng, SITES } from '../../bench/corpus.mjs';
import { parseArticleFile } from '../../src/archive/index.js';
import { tempDir } from '../pipeline/harness.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('same seed, same bytes; the feed parses with rss-parser and has realistic bodies', async () => {
  const a = feedXml('voa', 20, 42) as string;
  assert.equal(sha(a), sha(feedXml('voa', 20, 42) as string));
  assert.notEqual(sha(a), sha(feedXml('voa', 20, 43) as string));
  const feed = await new Parser().parseString(a);
  assert.equal(feed.items.length, 20);
  for (const item of feed.items) {
    const bytes = Buffer.byteLength((item as { 'content:encoded'?: string })['content:encoded'] ?? '');
    assert.ok(bytes >= 3000 && bytes <= 9000, `body of ${bytes} bytes`);
    assert.match(item.title ?? '', /^[\u4e00-\u9fff]{15,40}$/);
  }
  const r1 = rng(7) as () => number;
  const r2 = rng(7) as () => number;
  assert.deepEqual([r1(), r1()], [r2(), r2()]);
});

test('hourly feeds slide: each hour brings perHour new items, and an item reads the same in every window', async () => {
  const items = (xml: string) => xml.match(/<item>.*?<\/item>/g) ?? [];
  const h1 = items(hourlyFeedXml('voa', 10, 4, 1) as string);
  const h2 = items(hourlyFeedXml('voa', 10, 4, 2) as string);
  assert.equal(h1.length, 10);
  assert.deepEqual(h2.slice(4), h1.slice(0, 6), 'the 6 items both windows hold are byte for byte the same');
  assert.equal(h2.slice(0, 4).filter((x) => h1.includes(x)).length, 0);
  const feed = await new Parser().parseString(hourlyFeedXml('bbc', 5, 4, 3) as string);
  assert.deepEqual(feed.items.map((i) => i.link), [16, 15, 14, 13, 12].map((i) => `https://www.bbc.example/h/${i}.html`), 'newest first');
  assert.notEqual(items(hourlyFeedXml('bbc', 1, 4, 0) as string)[0], items(hourlyFeedXml('voa', 1, 4, 0) as string)[0]?.replace(/voa/g, 'bbc'));
});

test('the generated archive is in the archive format, ids counting down per site', async () => {
  const dir = tempDir();
  await makeArchive(dir, 90);
  assert.deepEqual(readdirSync(path.join(dir, 'articles')).sort(), [...(SITES as string[])].sort());
  const files = readdirSync(path.join(dir, 'articles', 'voa')).sort();
  assert.equal(files.length, 10);
  assert.equal(files[files.length - 1], '1048575.md');
  for (const f of files) {
    const text = readFileSync(path.join(dir, 'articles', 'voa', f), 'utf8');
    assert.match(text, /^<!--\d+-->\n\[[^\]]+\]\(https:\/\/[^)]+\)\n------\n\n.+\n$/);
    assert.equal(parseArticleFile(text, f).body.includes('\n'), false);
  }
});
