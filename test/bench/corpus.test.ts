/** The bench corpora are deterministic and in the formats they claim. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Parser from 'rss-parser';
// @ts-expect-error: the bench is plain JavaScript (it measures the compiled dist/ in fresh processes)
import { feedXml, makeArchive, rng, SITES } from '../../bench/corpus.mjs';
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
