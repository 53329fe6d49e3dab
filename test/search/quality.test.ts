/**
 * Precision and recall on the labelled query set (queries.ts) over the site the CLI builds from the real
 * archive sample: today's per-character index (MiniSearch as the website used it before: title and the body's
 * first 120 characters, one token per character, every token required) against the bigram index.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import MiniSearch from 'minisearch';
import { searchTokenize } from '../../src/render/index.js';
import { querySearchIndex } from '../../src/search/index.js';
import { ROOT } from '../pipeline/harness.js';
import { QUERIES, relevant, type LabelledQuery } from './queries.js';
import { buildSampleSite, type SampleDoc } from './sample.js';

let site: Awaited<ReturnType<typeof buildSampleSite>>;
before(async () => {
  site = await buildSampleSite();
});

interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  /** Mean over queries (a query with nothing retrieved has precision 1 when nothing is relevant, else 0). */
  macroPrecision: number;
  macroRecall: number;
}

function score(queries: LabelledQuery[], docs: SampleDoc[], search: (q: string) => string[]): { total: Score; per: { q: string; relevant: number; tp: number; fp: number; fn: number }[] } {
  let tp = 0, fp = 0, fn = 0, mp = 0, mr = 0;
  const per = queries.map((query) => {
    const want = new Set(docs.filter((d) => relevant(query, `${d.title}\n${d.text}`)).map((d) => d.url));
    const got = new Set(search(query.q));
    const t = [...got].filter((u) => want.has(u)).length;
    tp += t;
    fp += got.size - t;
    fn += want.size - t;
    mp += got.size ? t / got.size : want.size ? 0 : 1;
    mr += want.size ? t / want.size : 1;
    return { q: query.q, relevant: want.size, tp: t, fp: got.size - t, fn: want.size - t };
  });
  return { total: { tp, fp, fn, precision: tp / (tp + fp), recall: tp / (tp + fn), macroPrecision: mp / queries.length, macroRecall: mr / queries.length }, per };
}

function perCharacter(docs: SampleDoc[], lead: number | null): (q: string) => string[] {
  const ms = new MiniSearch({ fields: ['title', 'text'], storeFields: ['url'], tokenize: searchTokenize, processTerm: (t) => t });
  ms.addAll(docs.map((d, i) => ({ id: i, title: d.title, text: lead === null ? d.text : d.text.replace(/\s+/g, ' ').trim().slice(0, lead), url: d.url })));
  return (q) => ms.search(q, { combineWith: 'AND', prefix: (t: string) => t.length > 1 }).map((h) => h.url as string);
}

test('the labelled set: at least 40 queries, both scripts, names, places, words, Latin, two words; every query has relevant articles', () => {
  assert.ok(QUERIES.length >= 40);
  for (const kind of ['name', 'place', 'word', 'phrase', 'latin', 'two words']) assert.ok(QUERIES.some((q) => q.kind === kind), kind);
  assert.ok(QUERIES.filter((q) => q.script === 'traditional').length >= 20);
  for (const q of QUERIES) assert.ok(site.docs.some((d) => relevant(q, `${d.title}\n${d.text}`)), `${q.q} has relevant articles`);
  // Hand-checked facts of the labelling rule (see queries.ts).
  const trump = QUERIES.find((q) => q.q === '特朗普')!;
  // 40 stories of the sample name him (grep -l 特朗普 over its 228 files: 40, none a second file of a story).
  assert.equal(site.docs.filter((d) => relevant(trump, `${d.title}\n${d.text}`)).length, 40);
});

test('the bigram index beats today\'s per-character index on precision and on recall', () => {
  const ours = score(QUERIES, site.docs, (q) => querySearchIndex(site.siteDir, q).hits.map((h) => h.url));
  const today = score(QUERIES, site.docs, perCharacter(site.docs, 120));
  const fullText = score(QUERIES, site.docs, perCharacter(site.docs, null));
  const report = { queries: QUERIES.length, articles: site.docs.length, today: today.total, perCharacterFullText: fullText.total, bigrams: ours.total, perQuery: ours.per.map((p, i) => ({ ...p, today: today.per[i], perCharacterFullText: fullText.per[i] })) };
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  writeFileSync(path.join(ROOT, 'test-artifacts', 'search-quality.json'), JSON.stringify(report, null, 2) + '\n');
  const f = (s: Score) => `precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} (macro ${s.macroPrecision.toFixed(3)} / ${s.macroRecall.toFixed(3)}; tp ${s.tp} fp ${s.fp} fn ${s.fn})`;
  console.log(`# ${QUERIES.length} queries over ${site.docs.length} articles\n# today (per character, title + 120 chars): ${f(today.total)}\n# per character, full text:               ${f(fullText.total)}\n# bigrams, folded, full text:              ${f(ours.total)}`);
  assert.ok(ours.total.precision > today.total.precision, 'precision');
  assert.ok(ours.total.recall > today.total.recall, 'recall');
  assert.ok(ours.total.precision > fullText.total.precision && ours.total.recall >= fullText.total.recall, 'also against per-character over the full text');
});

test('either script: a Traditional query gives exactly the results of its Simplified form', () => {
  const simplified = new Map(QUERIES.filter((q) => q.script === 'simplified').map((q) => [q.words.map((w) => w[0]).join(' '), q.q]));
  let pairs = 0;
  for (const q of QUERIES.filter((x) => x.script === 'traditional')) {
    const s = simplified.get(q.words.map((w) => w[0]).join(' '));
    if (!s) continue;
    pairs++;
    const urls = (x: string) => querySearchIndex(site.siteDir, x).hits.map((h) => h.url);
    assert.deepEqual(urls(q.q), urls(s), `${q.q} = ${s}`);
    assert.ok(urls(q.q).length > 0, q.q);
  }
  assert.ok(pairs >= 25, `${pairs} pairs`);
  assert.deepEqual(querySearchIndex(site.siteDir, '習近平').hits, querySearchIndex(site.siteDir, '习近平').hits);
});
