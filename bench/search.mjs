// Search figures (issue 14): node bench/search.mjs [sizes…]  (default 1000 10000 100000; needs `npm run build`).
// Over the bench archives (bench/corpus.mjs), for each size:
// - whole index build and hourly updates (36 new articles each), each in a fresh process: ms, peak RSS, files;
// - index size on disk per 1,000 articles;
// - queries in Chromium on loopback with an emulated 1.6 Mbps / 150 ms link: bytes and ms to first results.
// Prints a table and writes bench/search-results.json. Run by bench/run.mjs too (BENCH_SEARCH=1).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITES, articleBody, makeArchive, rng } from './corpus.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'out');
const dist = (m) => import(new URL(`../dist/${m}`, import.meta.url).href);
const HOURS = 5;
const PER_HOUR = 36;

/** The archive as the search stage reads it, plus `hours` × 36 generated new articles (hourly runs). */
async function source(archive, hours) {
  const { ArchiveIndex } = await dist('identity/index.js');
  const { parseArticleFile } = await dist('archive/index.js');
  const index = ArchiveIndex.open(archive);
  const extra = new Map();
  const bodies = new Map();
  for (let h = 1; h <= hours; h++) {
    for (let k = 0; k < PER_HOUR; k++) {
      const abbr = SITES[k % SITES.length];
      const id = 1000 + h * 100 + k;
      const r = rng(h * 1000 + k);
      const p = `articles/${abbr}/new-${id}.md`;
      bodies.set(p, articleBody(r, id));
      const list = extra.get(abbr) ?? [];
      list.push({ id, site: abbr, path: p, title: `新文章${h}时${k}号 ${SITES[k % 9]}`, published: Date.UTC(2025, 0, 1) + h * 3_600_000 + k, contentHash: `h${h}k${k}` });
      extra.set(abbr, list);
    }
  }
  const src = {
    sites: SITES.map((abbr) => ({ name: abbr.toUpperCase(), abbr })),
    articles: (abbr) => [...index.listing(abbr, 1e9), ...(extra.get(abbr) ?? [])],
    around: (abbr, id, k) => (extra.get(abbr) ?? []).filter((a) => a.id === id).concat(id < 1_000_000 ? [] : index.around(abbr, id, k)),
    body: (p) => bodies.get(p) ?? parseArticleFile(readFileSync(path.join(archive, p), 'utf8'), p).body,
  };
  const newest = (h) => (h === 0 ? [] : [...extra.values()].flat().filter((a) => Math.floor((a.id - 1000) / 100) === h).map((a) => ({ site: a.site, id: a.id })));
  return { src, newest, close: () => index.close() };
}

function du(dir) {
  let bytes = 0;
  let files = 0;
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const f = path.join(d, n);
      const st = statSync(f);
      if (st.isDirectory()) walk(f);
      else {
        bytes += st.size;
        files++;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

// Worker: one build in this process, then one JSON line.
if (process.argv[2] === '--worker') {
  const args = JSON.parse(process.argv[3]);
  // Set up as the `newsmirror` launcher sets up its process (bin/newsmirror.js).
  (await dist('cli/process.js')).configureProcess();
  const { updateSearchIndex } = await dist('search/index.js');
  const { src, newest, close } = await source(args.archive, args.hour);
  const t0 = performance.now();
  const r = await updateSearchIndex(src, { archive: args.state, siteDir: args.site, tzOffsetMinutes: 480, changes: args.hour === 0 ? null : newest(args.hour), ...(args.batch ? { batch: args.batch } : {}) });
  const ms = performance.now() - t0;
  close();
  process.stdout.write(JSON.stringify({ ms, ...r, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
  process.exit(0);
}

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SIZES = sizes.length ? sizes : [1_000, 10_000, 100_000];
mkdirSync(OUT, { recursive: true });
const log = (s) => process.stderr.write(s + '\n');
const worker = (args) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());

/** The search page and its assets, from a render of a tiny source (the page does not depend on the archive). */
async function pageAssets(site) {
  const { renderSite } = await dist('render/index.js');
  const tiny = path.join(OUT, 'search-page');
  rmSync(tiny, { recursive: true, force: true });
  const src = { sites: [], articles: () => [], around: () => [], rank: () => 0, changes: () => null, rendered: () => {}, count: () => 0, between: () => [], span: () => null, body: () => '' };
  await renderSite(src, { archive: tiny, siteDir: path.join(tiny, 'site'), baseUrl: null, tzOffsetMinutes: 480 });
  cpSync(path.join(tiny, 'site', 'search.html'), path.join(site, 'search.html'));
  cpSync(path.join(tiny, 'site', '_static'), path.join(site, '_static'), { recursive: true });
}

async function browse(site, queries) {
  const { serveSite } = await dist('render/index.js');
  const { chromium } = await import('playwright-core');
  const server = await serveSite(site);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const out = [];
  try {
    for (const { name, q } of queries) {
      for (const mode of ['link', 'typed']) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 200_000 });
        let bytes = 0;
        let requests = 0;
        cdp.on('Network.loadingFinished', (e) => {
          bytes += e.encodedDataLength;
          requests++;
        });
        const done = () => page.waitForFunction(() => /条结果|没有结果|出错/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60_000 });
        let t0;
        if (mode === 'link') {
          // A shared link opened cold: page, stylesheet, script, index, entries.
          t0 = performance.now();
          await page.goto(`${server.url}search.html?q=${encodeURIComponent(q)}`);
          await done();
        } else {
          // The page already open, the reader types the query (counted from the last key; the script waits 350 ms).
          await page.goto(`${server.url}search.html`);
          await page.waitForLoadState('networkidle');
          bytes = 0;
          requests = 0;
          t0 = performance.now();
          await page.locator('#q').fill(q);
          await done();
        }
        const ms = performance.now() - t0;
        const status = await page.locator('#status').textContent();
        out.push({ name, q, mode, bytes, requests, ms, results: Number(/^(\d+)/.exec(status ?? '')?.[1] ?? 0) });
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}

const results = [];
for (const size of SIZES) {
  const archive = path.join(OUT, `archive-${size}`);
  log(`archive of ${size} …`);
  await makeArchive(archive, size);
  if (!existsSync(path.join(archive, '.newsmirror'))) {
    const { importArchive } = await dist('archive/index.js');
    const { ArchiveIndex } = await dist('identity/index.js');
    const index = ArchiveIndex.open(archive);
    await importArchive(archive, index, SITES.map((abbr) => ({ name: abbr.toUpperCase(), abbr })));
    index.close();
  }
  const state = path.join(OUT, `search-state-${size}`);
  const site = path.join(OUT, `search-site-${size}`);
  rmSync(state, { recursive: true, force: true });
  rmSync(site, { recursive: true, force: true });
  mkdirSync(path.join(state, '.newsmirror'), { recursive: true });
  log(`whole build over ${size} …`);
  const whole = worker({ archive, state, site, hour: 0 });
  const disk = du(path.join(site, 'search'));
  const hourly = [];
  for (let h = 1; h <= HOURS; h++) hourly.push(worker({ archive, state, site, hour: h }));
  await pageAssets(site);
  // Queries: two words of an article title (each in few articles: typical of names and rarer words); two
  // words of a body that every 64th article shares (the corpus cycles 64 bodies: common words); "item" is in
  // every article (the corpus's bodies start with "Item <n>"): the largest posting list there is.
  const { querySearchIndex } = await dist('search/index.js');
  const entries = JSON.parse(readFileSync(path.join(site, 'search', 'docs', '0.json'), 'utf8'));
  const title = entries[0][2];
  const body = querySearchIndex(site, 'item').hits.length;
  // Runs of Chinese text in the archive's first body (makeArchive draws its 64 bodies first from rng(size)).
  const runs = articleBody(rng(size), 0).replace(/<[^>]*>/g, ' ').match(/[\u4e00-\u9fff]{4,}/g);
  const queries = [
    { name: 'two title words', q: `${title.slice(0, 2)} ${title.slice(6, 8)}` },
    { name: 'two common words', q: `${runs[3].slice(0, 2)} ${runs[5].slice(0, 2)}` },
    { name: 'word in every article + common word', q: `item ${runs[3].slice(0, 2)}` },
  ];
  log(`Chromium over ${size} …`);
  const browsing = await browse(site, queries);
  results.push({ size, whole, hourly, disk, perThousand: disk.bytes / (size / 1000), everyArticle: body, browsing });
}

writeFileSync(path.join(HERE, 'search-results.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + '\n');
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const lines = [];
for (const r of results) {
  lines.push(`archive of ${r.size}: index ${kb(r.disk.bytes)} in ${r.disk.files} files (${kb(r.perThousand)} per 1,000 articles), ${r.whole.segments} segment(s)`);
  lines.push(`  whole build: ${r.whole.ms.toFixed(0)} ms, peak RSS ${r.whole.maxRssMb.toFixed(0)} MB`);
  lines.push(`  hourly (+36): ${r.hourly.map((h) => `${h.ms.toFixed(0)} ms/${h.maxRssMb.toFixed(0)} MB/${h.written} files/${h.segments} seg`).join(', ')}`);
  for (const b of r.browsing) lines.push(`  ${b.mode === 'link' ? 'shared link, cold' : 'typed, page open '} ${b.name.padEnd(38)} "${b.q}": ${kb(b.bytes)} in ${b.requests} requests, ${b.ms.toFixed(0)} ms to first results (${b.results} results)`);
}
process.stdout.write(lines.join('\n') + '\n');
