/** The search stage on its own: folding, terms, and the incremental, log-structured index on disk. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { foldText, querySearchIndex, queryTerms, updateSearchIndex } from '../../src/search/index.js';
import { foldPairs } from '../../src/search/fold.js';
import { makeFold } from '../../src/search/terms.js';
import { tempDir } from '../pipeline/harness.js';
import { makeSource } from '../render/source.js';

function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const f = path.join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else out.set(path.relative(root, f), createHash('sha256').update(readFileSync(f)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

test("folding: the index builder's foldText is the browser's fold, over the real sample and edge cases", () => {
  const browser = makeFold(foldPairs());
  const root = fileURLToPath(new URL('../fixtures/real-archive/', import.meta.url));
  const texts: string[] = ['', 'abc', '豈 ＡＢＣ 𠀀𪚥 習近平\u0000 臺灣\ud800', '\u4e00\u9fff\u3400\u4dbf\u4dc0\ufa0e 裏'];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const f = path.join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (n.endsWith('.md')) texts.push(readFileSync(f, 'utf8'));
    }
  };
  walk(root);
  assert.ok(texts.length > 100);
  let changed = 0;
  for (const t of texts) {
    assert.equal(foldText(t), browser(t));
    if (foldText(t) !== t.normalize('NFKC').toLowerCase()) changed++;
  }
  assert.ok(changed > 10, 'the sample has Traditional text to fold');
});

test('folding: Traditional and variants to Simplified (opencc-js table), full-width and case', () => {
  assert.equal(foldText('習近平 臺灣 台灣 氣候 後來 裏面'), '习近平 台湾 台湾 气候 后来 里面');
  assert.equal(foldText('ＢＢＣ　新聞 TikTok'), 'bbc 新闻 tiktok');
  assert.equal(foldText('习近平 气候'), '习近平 气候', 'Simplified stays as it is');
});

test('query terms: bigrams of a word (adjacency), a lone character for titles, Latin words; every term required', () => {
  assert.deepEqual(queryTerms('習近平', foldText), ['习近', '近平']);
  assert.deepEqual(queryTerms('美国 制裁', foldText), ['美国', '制裁']);
  assert.deepEqual(queryTerms('G20峰會', foldText), ['g20', '峰会']);
  assert.deepEqual(queryTerms('京', foldText), ['#京']);
  assert.deepEqual(queryTerms('  ，。！ ', foldText), []);
});

test('incremental: an hourly update writes a small new segment and never rewrites the big one; answers equal a whole build', async () => {
  const t = makeSource(400); // 1,200 articles
  const dir = tempDir();
  const opts = (changes: { site: string; id: number }[] | null) => ({ archive: dir, siteDir: path.join(dir, 'site'), tzOffsetMinutes: 480, changes, batch: 500 });
  const whole = await updateSearchIndex(t.src, opts(null));
  assert.equal(whole.rebuilt, true);
  assert.equal(whole.indexed, 1200);
  assert.equal(whole.segments, 1, 'batches of 500 merged into one segment');
  t.src.rendered('sig');
  const base = tree(path.join(dir, 'site', 'search'));
  const baseSegment = [...base.keys()].filter((k) => k.startsWith('s0/'));
  assert.ok(baseSegment.length >= 2);

  for (let hour = 0; hour < 30; hour++) {
    t.add(['voa', 'bbc', 'rfi'][hour % 3]!, 4);
    if (hour === 10) t.edit('bbc', 0xfffff - 100, '更正后的标题：麒麟再现');
    const r = await updateSearchIndex(t.src, opts(t.src.changes('sig')));
    t.src.rendered('sig');
    assert.equal(r.rebuilt, false);
    assert.equal(r.indexed, hour === 10 ? 5 : 4);
    assert.ok(r.segments <= 5, `hour ${hour}: ${r.segments} segments`);
    assert.ok(r.written < baseSegment.length, `hour ${hour}: ${r.written} files written`);
  }
  const now = tree(path.join(dir, 'site', 'search'));
  for (const k of baseSegment) assert.equal(now.get(k), base.get(k), `${k} was never rewritten`);
  // Docs entries: only the last chunks changed.
  const docsChanged = [...now.keys()].filter((k) => k.startsWith('docs/') && now.get(k) !== base.get(k));
  assert.ok(docsChanged.length <= 3 + 1, docsChanged.join(' ')); // the new ids' chunks, and the edited article's

  const fresh = tempDir();
  await updateSearchIndex(t.src, { ...opts(null), archive: fresh, siteDir: path.join(fresh, 'site') });
  for (const q of ['麒麟', '氣候', '法广 经济', '第403篇', '更正', '标题']) {
    const urls = (d: string) => querySearchIndex(path.join(d, 'site'), q).hits.map((h) => h.url).sort();
    assert.deepEqual(urls(dir), urls(fresh), q);
  }
  // The edited article is found by its new title and no longer by its old one; its old id is deleted.
  const hits = querySearchIndex(path.join(dir, 'site'), '麒麟再现').hits;
  assert.deepEqual(hits.map((h) => h.url), [`bbc/${0xfffff - 100}.html`]);
  assert.equal(hits[0]!.title, '更正后的标题：麒麟再现');
  assert.equal(querySearchIndex(path.join(dir, 'site'), '麒麟').hits.filter((h) => h.url === `bbc/${0xfffff - 100}.html`).length, 1);
});

test('a whole build is deterministic, and building again over the same archive writes nothing', async () => {
  const t = makeSource(50);
  const a = tempDir();
  const b = tempDir();
  const o = (d: string) => ({ archive: d, siteDir: path.join(d, 'site'), tzOffsetMinutes: 480, changes: null, batch: 40 });
  // A site rendered before this index had per-month MiniSearch parts: they go.
  mkdirSync(path.join(a, 'site', 'search'), { recursive: true });
  for (const f of ['months.json', '2024-11.json', '2024-11.2.json']) writeFileSync(path.join(a, 'site', 'search', f), '{}');
  await updateSearchIndex(t.src, o(a));
  await updateSearchIndex(t.src, o(b));
  assert.deepEqual(tree(path.join(a, 'site')), tree(path.join(b, 'site')));
  assert.equal((await updateSearchIndex(t.src, o(a))).written, 0);
  // Results carry site, date, title and the article's link.
  const hit = querySearchIndex(path.join(a, 'site'), '麒麟').hits[0]!;
  assert.deepEqual({ ...hit, id: 0 }, { id: 0, site: 'BBC', date: '2024-11-01', title: '体育新闻：BBC第8篇 <b>&"标题"</b>', url: 'bbc/1048568.html' });
});

test('an article gone from the archive (a takedown) leaves the index at the next update', async () => {
  const t = makeSource(20);
  const dir = tempDir();
  const o = (changes: { site: string; id: number }[] | null) => ({ archive: dir, siteDir: path.join(dir, 'site'), tzOffsetMinutes: 480, changes });
  await updateSearchIndex(t.src, o(null));
  assert.equal(querySearchIndex(path.join(dir, 'site'), '麒麟').hits.length, 1);
  const around = t.src.around;
  t.src.around = (abbr, id, k) => (abbr === 'bbc' && id === 1048568 ? [] : around(abbr, id, k));
  const r = await updateSearchIndex(t.src, o([{ site: 'bbc', id: 1048568 }]));
  assert.equal(r.deleted, 1);
  assert.equal(querySearchIndex(path.join(dir, 'site'), '麒麟').hits.length, 0);
  const chunk = JSON.parse(readFileSync(path.join(dir, 'site', 'search', 'docs', '0.json'), 'utf8')) as unknown[];
  assert.ok(!JSON.stringify(chunk).includes('BBC第8篇'), 'its entry (title, link) is gone from the site');
});
