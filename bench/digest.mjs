// Daily digest of a busy day over a bench archive: time, peak RSS and the sizes of the EPUB and the HTML file.
// Run alone: `node bench/digest.mjs [size]` (default 10000; builds with `npm run build` first), or from run.mjs
// through benchDigest(). Each measurement is a fresh process (this file with `worker`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SITES, makeArchive } from './corpus.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'out');
// The bench archive's articles are one an hour per site, going back from 2024-01-01 00:00 UTC: a whole GMT+8
// day two days before holds 24 of each of the 9 sites.
const DATE = '2023-12-30';

async function worker(args) {
  const { archive, out } = JSON.parse(args);
  const { loadConfig } = await import(pathToFileURL(path.join(HERE, '..', 'dist', 'config', 'index.js')).href);
  const { digestArchive } = await import(pathToFileURL(path.join(HERE, '..', 'dist', 'pipeline', 'index.js')).href);
  const dir = path.dirname(archive);
  const configPath = path.join(dir, `digest-bench.yaml`);
  writeFileSync(configPath, `archive: ${JSON.stringify(archive)}\nsites:\n${SITES.map((a) => `  - {name: ${a.toUpperCase()}, abbr: ${a}, feed: "https://www.${a}.example/feed.xml"}`).join('\n')}\n`);
  const config = loadConfig({ configPath, cwd: dir });
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = await digestArchive(config, { dates: [DATE], outDir: out });
  const ms = performance.now() - t0;
  const d = r.digests[0];
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, articles: d.articles, epubBytes: d.epubBytes, htmlBytes: d.htmlBytes }) + '\n');
}

function runOnce(archive) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'worker', JSON.stringify({ archive, out: path.join(OUT, 'digest-out') })], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Measure the busy day's digest `reps` times over the bench archive of `size` (made in `archive` unless there); adds rows through `row`. */
export async function benchDigest({ size, reps, row, archive = path.join(OUT, `digest-archive-${size}`) }) {
  if (!existsSync(path.join(archive, 'articles'))) await makeArchive(archive, size);
  runOnce(archive); // the first run imports the archive into its index: not measured
  const runs = Array.from({ length: reps }, () => runOnce(archive));
  const a = runs[0];
  if (runs.some((r) => r.epubBytes !== a.epubBytes || r.htmlBytes !== a.htmlBytes)) throw new Error('digest sizes differ between runs');
  row(`digest of a busy day (${a.articles} articles, 9 sites), archive of ${size}`, runs.map((r) => r.ms), 'ms');
  row(`digest of a busy day: EPUB size`, runs.map((r) => r.epubBytes / 1024), 'KB');
  row(`digest of a busy day: HTML size`, runs.map((r) => r.htmlBytes / 1024), 'KB');
  row(`peak RSS: digest of a busy day`, runs.map((r) => r.maxRssMb), 'MB', '≤ 200', Math.max(...runs.map((r) => r.maxRssMb)) <= 200);
}

if (process.argv[2] === 'worker') await worker(process.argv[3]);
else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(OUT, { recursive: true });
  const size = Number(process.argv[2] ?? 10_000);
  await benchDigest({
    size,
    reps: 3,
    row: (name, values, unit, target = null) => {
      const s = [...values].sort((x, y) => x - y);
      process.stdout.write(`${name}: median ${s[(s.length - 1) >> 1].toFixed(1)} ${unit} (${s[0].toFixed(1)}–${s[s.length - 1].toFixed(1)})${target ? `, target ${target}` : ''}\n`);
    },
  });
  if (existsSync(path.join(OUT, 'digest-out'))) process.stdout.write(`output: ${path.join(OUT, 'digest-out')} (${readFileSync(path.join(OUT, 'digest-out', 'index.html')).length} bytes index)\n`);
}
