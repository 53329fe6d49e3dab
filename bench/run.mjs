// npm run bench: generates the corpora, measures every figure in fresh processes (≥ 5 repetitions), prints one
// table of medians and ranges with the targets, and writes bench/results.json. BENCH_QUICK=1: 3 reps, no 100k.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_VERSION, SITES, feedXml, hourlyFeedXml, makeArchive } from './corpus.mjs';
import { deployBench } from './deploy.mjs';
import { benchDigest } from './digest.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'out');
const QUICK = process.env.BENCH_QUICK === '1';
const REPS = QUICK ? 3 : 5;
const SIZES = QUICK ? [1_000, 10_000] : [1_000, 10_000, 100_000];
mkdirSync(OUT, { recursive: true });

function log(s) {
  process.stderr.write(s + '\n');
}

function ensure(file, make) {
  const stamp = `${file}.v${CORPUS_VERSION}`;
  if (!existsSync(stamp)) {
    writeFileSync(file, make());
    writeFileSync(stamp, '');
  }
  return file;
}

/**
 * A copy of a bench archive that runs may change: files are hard links (a run replaces a file by renaming a
 * new one over it, never writes into it), the index folder is copied for real (SQLite writes in place).
 */
function copyArchive(from, to) {
  rmSync(to, { recursive: true, force: true });
  try {
    execFileSync('cp', ['-al', from, to]);
  } catch {
    cpSync(from, to, { recursive: true }); // no hard links here: a plain copy, slower
  }
  rmSync(path.join(to, '.newsmirror'), { recursive: true, force: true });
  cpSync(path.join(from, '.newsmirror'), path.join(to, '.newsmirror'), { recursive: true });
}

function runOnce(scenario, args) {
  const out = execFileSync(process.execPath, [path.join(HERE, 'worker.mjs'), scenario, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Run one scenario `REPS` times, each in a fresh node process. */
function measure(scenario, args, reps = REPS) {
  return Array.from({ length: reps }, () => runOnce(scenario, args));
}

/**
 * Run scenarios that are compared with each other in turns (A B A B …), each in a fresh process, so that every
 * pair of a ratio is measured under the same conditions of a shared machine.
 */
function measureSideBySide(jobs, reps = REPS) {
  const runs = jobs.map(() => []);
  for (let i = 0; i < reps; i++) jobs.forEach(([scenario, args], k) => runs[k].push(runOnce(scenario, args)));
  return runs;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stat = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });

const rows = [];
function row(name, values, unit, target = null, pass = null) {
  const s = stat(values);
  rows.push({ name, unit, ...s, target, pass });
  log(`  ${name}: ${fmt(s.median)} ${unit}`);
  return s;
}
function fmt(x) {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

log('corpora …');
const feeds = SITES.map((abbr, i) => ensure(path.join(OUT, `feed-${abbr}-300.xml`), () => feedXml(abbr, 300, 1000 + i)));
const parseFile = feeds[2];
// Latency feeds are small (2 items): the figure is about waiting on 100 slow hosts, not about processing.
const small = ensure(path.join(OUT, 'feed-small-2.xml'), () => feedXml('small', 2, 7));
const big = ensure(path.join(OUT, 'feed-20mb.xml'), () => {
  let n = 3600;
  let x = feedXml('big', n, 99);
  while (Buffer.byteLength(x) < 20 * 1024 * 1024) x = feedXml('big', (n += 200), 99);
  return x;
});
for (const size of SIZES) {
  log(`archive of ${size} …`);
  await makeArchive(path.join(OUT, `archive-${size}`), size);
}
const siteList = SITES.map((abbr) => ({ name: abbr.toUpperCase(), abbr }));

// 1. Parse throughput: the same bytes, each parser in its own processes.
log('parse …');
// Throughput is timed once both parsers have settled: per-parse times (measured) still fall until the 6th
// parse for rss-parser and the 8th for newsmirror, so 10 are run first; then 40, long enough that a pause of
// the shared machine or of V8 (the young generation growing) weighs less on one side's figure.
const loops = 40;
const warmup = 10;
const [nm, rp] = measureSideBySide([
  ['parse-newsmirror', { file: parseFile, loops, warmup }],
  ['parse-rss-parser', { file: parseFile, loops, warmup }],
]);
const nmItems = nm.map((r) => r.items / (r.ms / 1000));
const rpItems = rp.map((r) => r.items / (r.ms / 1000));
row('parse: newsmirror', nmItems, 'items/s');
row('parse: newsmirror', nm.map((r) => r.bytes / 1048576 / (r.ms / 1000)), 'MB/s');
row('parse: rss-parser (the original)', rpItems, 'items/s');
row('parse: rss-parser (the original)', rp.map((r) => r.bytes / 1048576 / (r.ms / 1000)), 'MB/s');
const parseRatio = nmItems.map((x, i) => x / rpItems[i]);
row('parse ratio newsmirror / rss-parser', parseRatio, '×', '≥ 3', median(parseRatio) >= 3);
// Shown beside it, not instead: the very first parse of a fresh process, before any JIT.
row('parse ratio, first parse in a fresh process', nm.map((r, i) => rp[i].firstMs / r.firstMs), '×');

// 2. The whole pipeline for one feed vs rss-parser's parse alone, per item.
log('pipeline …');
// In turns with rss-parser's parse of the same feed and with its stages timed one by one (see worker.mjs), so
// that every ratio below compares runs that met the same load.
const [pipe, rpCold, stages] = measureSideBySide([
  ['pipeline', { file: parseFile, archive: path.join(OUT, 'pipeline-archive') }],
  ['parse-rss-parser', { file: parseFile, loops: 1, warmup: 0 }],
  ['stages', { file: parseFile, dir: path.join(OUT, 'stages-out') }],
]);
const pipeMsPerItem = pipe.map((r) => r.ms / r.items);
// A pipeline run handles its one feed once, in a fresh process: it is compared with rss-parser's first parse in
// a fresh process (cold against cold); the warm figure is printed too.
const rpFirstMsPerItem = rpCold.map((r) => r.firstMs / r.firstItems);
row('pipeline per item (one run: parse → clean → identity → write, fsync)', pipeMsPerItem, 'ms/item');
row('rss-parser parse per item, first parse (fresh process)', rpFirstMsPerItem, 'ms/item');
row('rss-parser parse per item, warm', rp.map((r) => r.ms / r.items), 'ms/item');
const pipeRatio = pipeMsPerItem.map((x, i) => x / rpFirstMsPerItem[i]);
row('pipeline per item / rss-parser first parse per item', pipeRatio, '×', '≤ 2', median(pipeRatio) <= 2);
// Where the time goes, stage by stage (cold, each stage timed on its own in a fresh process), against the same
// rss-parser first parse. The last row asks whether any sanitizer could meet the target: it takes the clean
// stage out of the run altogether.
if (stages.some((r) => r.items !== 300 || r.written !== 300)) throw new Error('stages: expected 300 items written');
row('  stage: parse (cold)', stages.map((r) => r.parseMs), 'ms');
row('  stage: clean, sanitize-html + transforms (cold)', stages.map((r) => r.cleanMs), 'ms');
row('  stage: write 300 files (atomic, fsync each)', stages.map((r) => r.writeMs), 'ms');
row('  clean stage alone / rss-parser first parse', stages.map((r, i) => r.cleanMs / rpCold[i].firstMs), '×');
row('  pipeline run minus its clean stage / rss-parser first parse', pipe.map((r, i) => (r.ms - stages[i].cleanMs) / rpCold[i].firstMs), '×');

// 3. No-op runs over archives of growing size (same feeds, served again with 200 and the same bytes).
const noop = {};
const noopArgs = (size) => ({ archive: path.join(OUT, `archive-${size}`), files: feeds, abbrs: SITES, render: false });
for (const size of SIZES) {
  log(`import and first run over ${size} …`);
  measure('run', noopArgs(size), 1); // import + first run: not timed
}
log('no-op runs …');
const noopRuns = measureSideBySide(SIZES.map((size) => ['run', noopArgs(size)]));
SIZES.forEach((size, k) => {
  noop[size] = noopRuns[k];
  if (noop[size].some((r) => r.newItems !== 0 || r.failed !== 0)) throw new Error(`no-op run over ${size} archived something`);
  row(`no-op run, 9 sites, archive of ${size}`, noop[size].map((r) => r.ms), 'ms', size === 100_000 ? '< 1500' : null, size === 100_000 ? median(noop[size].map((r) => r.ms)) < 1500 : null);
});
const largest = SIZES[SIZES.length - 1];
const growth = noop[largest].map((r, i) => r.ms / noop[1_000][i].ms);
row(`no-op ratio ${largest / 1000}k / 1k`, growth, '×', largest === 100_000 ? '≤ 1.2' : null, largest === 100_000 ? median(growth) <= 1.2 : null);

// 4. A cold run of 9 sites × 300 items, feeds and website included.
log('cold run …');
const cold = measure('run', { archive: path.join(OUT, 'cold-archive'), files: feeds, abbrs: SITES, fresh: true, render: true });
row('cold run, 9 sites × 300 items (with feeds + site)', cold.map((r) => r.ms), 'ms');

// 5. 100 feeds with 200 ms latency each at the default concurrency.
log('latency …');
const lat = measure('latency', { archive: path.join(OUT, 'latency-archive'), file: small });
const ideal = Math.ceil(100 / lat[0].concurrency) * 200;
row(`100 feeds × 200 ms latency (ideal ${ideal} ms at concurrency ${lat[0].concurrency})`, lat.map((r) => r.ms), 'ms');
const latRatio = lat.map((r) => r.ms / ideal);
row('latency wall time / ideal', latRatio, '×', '≤ 1.3', median(latRatio) <= 1.3);

// 6. Import throughput and render time on the largest archive.
log('import and render …');
const imp = measure('import', { archive: path.join(OUT, `archive-${largest}`), sites: siteList });
const filesPerS = imp.map((r) => r.files / (r.ms / 1000));
row(`import of the ${largest / 1000}k archive`, filesPerS, 'files/s', '≥ 5000', median(filesPerS) >= 5000);
const rend = measure('render', { archive: path.join(OUT, `archive-${largest}`), sites: siteList });
row(`render lists + README, ${largest / 1000}k archive`, rend.map((r) => r.ms), 'ms', '≤ 3000', median(rend.map((r) => r.ms)) <= 3000);
// Not a target of the issue, shown because a run that adds articles re-renders the website: the first full
// render of the site is done once (not timed), then a render that finds every page current is timed.
log('website render …');
measure('render', { archive: path.join(OUT, `archive-${largest}`), sites: siteList, site: true }, 1);
const rendSite = measure('render', { archive: path.join(OUT, `archive-${largest}`), sites: siteList, site: true });
row(`render website (feeds, pages, search), ${largest / 1000}k archive, all current`, rendSite.map((r) => r.ms), 'ms');

// 7. An hourly run as a mirror has it: every site's feed (its newest 100 items) has 4 new ones, 36 new articles
// in all, website included, over copies of the 1k and the largest archive, in turns. Not a target of the issue;
// it is the run users have every hour, and its cost must not grow with the archive. The first run over each
// copy is not timed (the feeds' first 900 articles, and the first render of the 1k archive's site).
log('hourly runs …');
const names = SITES.map((abbr) => abbr.toUpperCase()); // as in the render runs above, so the website is current
const hourlyFeeds = (hour) => SITES.map((abbr) => ensure(path.join(OUT, `hourly-${abbr}-${hour}.xml`), () => hourlyFeedXml(abbr, 100, 4, hour)));
const hourlySizes = [1_000, largest];
const hourlyArchive = (size) => path.join(OUT, `hourly-archive-${size}`);
for (const size of hourlySizes) {
  copyArchive(path.join(OUT, `archive-${size}`), hourlyArchive(size));
  runOnce('run', { archive: hourlyArchive(size), files: hourlyFeeds(0), abbrs: SITES, names, render: true });
}
const hourly = hourlySizes.map(() => []);
for (let hour = 1; hour <= REPS; hour++) {
  hourlySizes.forEach((size, k) => hourly[k].push(runOnce('run', { archive: hourlyArchive(size), files: hourlyFeeds(hour), abbrs: SITES, names, render: true })));
}
hourlySizes.forEach((size, k) => {
  if (hourly[k].some((r) => r.newItems !== 36 || r.failed !== 0)) throw new Error(`hourly run over ${size}: expected 36 new articles, no failure`);
  row(`hourly run: 36 new articles of 9 sites, website included, archive of ${size}`, hourly[k].map((r) => r.ms), 'ms');
});
row(`hourly run ratio ${largest / 1000}k / 1k`, hourly[1].map((r, i) => r.ms / hourly[0][i].ms), '×');

// 7b. Deployment: history growth of the archive branch against the record's, one hourly push, published size.
for (const r of await deployBench({ out: OUT, hours: QUICK ? 6 : 24, published: QUICK ? [] : [largest], log })) row(r.name, r.values, r.unit, r.target, r.pass);
log('digest of a busy day …');
copyArchive(path.join(OUT, `archive-${largest}`), path.join(OUT, 'digest-archive'));
await benchDigest({ archive: path.join(OUT, 'digest-archive'), size: largest, reps: REPS, row });

// 8. Memory: the 20 MB feed, and the peak of every scenario above.
log('20 MB feed …');
const bigParse = measure('parse-newsmirror', { file: big, loops: 0, warmup: 0 });
row('parse of a 20 MB feed', bigParse.map((r) => r.firstMs), 'ms');
const peaks = { parse: nm, 'parse (rss-parser)': rp, pipeline: pipe, 'cold run': cold, latency: lat, import: imp, render: rend, 'render website': rendSite, '20 MB feed': bigParse, ...Object.fromEntries(SIZES.map((s) => [`no-op ${s}`, noop[s]])), ...Object.fromEntries(hourlySizes.map((s, k) => [`hourly run ${s}`, hourly[k]])) };
for (const [name, runs] of Object.entries(peaks)) {
  const own = name !== 'parse (rss-parser)';
  row(`peak RSS: ${name}`, runs.map((r) => r.maxRssMb), 'MB', own ? '≤ 200' : null, own ? Math.max(...runs.map((r) => r.maxRssMb)) <= 200 : null);
}

// 9. Re-checks and revisions (issue 13): bench/recheck.mjs.
log('recheck …');
await (await import('./recheck.mjs')).recheckRows(row, REPS);

const machine = { os: `${os.type()} ${os.release()}`, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version };
// Redaction's cost: its own module and process (bench/redact.mjs).
const redact = JSON.parse(execFileSync(process.execPath, [path.join(HERE, 'redact.mjs')], { encoding: 'utf8' }));
row('run of 900 new articles with 3 redaction rules, against none', redact.run.ratios, '×');
const results = { date: new Date().toISOString(), quick: QUICK, reps: REPS, machine, rows };
writeFileSync(path.join(HERE, 'results.json'), JSON.stringify(results, null, 2) + '\n');

const w = Math.max(...rows.map((r) => r.name.length));
const lines = [
  `newsmirror bench — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, node ${machine.node}; ${REPS} runs each, fresh process per run`,
  `${'figure'.padEnd(w)}  ${'median'.padStart(10)}  ${'min–max'.padStart(21)}  unit      target   ok`,
  ...rows.map((r) => `${r.name.padEnd(w)}  ${fmt(r.median).padStart(10)}  ${`${fmt(r.min)}–${fmt(r.max)}`.padStart(21)}  ${r.unit.padEnd(8)}  ${(r.target ?? '').padEnd(7)}  ${r.pass === null ? '' : r.pass ? 'pass' : 'FAIL'}`),
];
process.stdout.write(lines.join('\n') + '\n');

// Search figures (issue 14): bytes and ms per query in Chromium, index size, build time and memory, whole and
// hourly, printed by bench/search.mjs in its own processes (BENCH_SEARCH=0 leaves them out).
if (process.env.BENCH_SEARCH !== '0') execFileSync(process.execPath, [path.join(HERE, 'search.mjs'), ...SIZES.map(String)], { stdio: 'inherit' });
