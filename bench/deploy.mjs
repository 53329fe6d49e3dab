// Deployment figures: how the mirror's repository grows and what an hour pushes, over 24 simulated hourly runs
// (9 sites, 4 new articles each per hour, `run --publish` to a bare remote), and the published website's size
// at 100k articles against GitHub Pages' 1 GB (with the default window: article pages for each site's newest
// site.pagesPerSite articles, older ones linked to their Markdown).
//
// History: "before" commits everything a run writes to the main branch (what newsmirror did until the site
// branch: website, search index and feeds included); "after" is `run --publish` as it is (record on main,
// derived outputs on the site branch, one commit replaced each run). Both histories are packed as
// `git gc --aggressive` packs (window 250, depth 50); the ratio divides the growth of main's pack by the growth
// of the pack of what articles, lists and README alone add (same commits, same root trees, only record paths).
//
// node bench/deploy.mjs [--hours 24] [--no-100k]     (npm run bench calls deployBench())
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITES, hourlyFeedXml, makeArchive } from './corpus.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'bin', 'newsmirror.js');
const RECORD = /^(articles|revisions|lists|assets)(\/|$)|^(README\.md|redactions\.yaml)$/;
const GB = 1024 ** 3;

const git = (cwd, args, input) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd, input, maxBuffer: 1 << 30 });

function cli(args, cwd) {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 1 << 26 }, (err, stdout, stderr) => (err ? reject(new Error(`${args.join(' ')}: ${stderr || stdout}`)) : resolve(String(stdout)))),
  );
}

/** Bytes of an aggressive pack of these objects ("sha path" lines, as rev-list --objects prints them). */
function packBytes(repo, objectLines) {
  if (objectLines.length === 0) return 0;
  return git(repo, ['pack-objects', '--stdout', '-q', '--window=250', '--depth=50'], objectLines.join('\n') + '\n').length;
}

/** Packed bytes of `ref`'s whole history, and of its record alone (commits, root trees, record paths). */
function historyBytes(repo, ref) {
  const objects = git(repo, ['rev-list', '--objects', ref]).toString('utf8').split('\n').filter(Boolean);
  const record = objects.filter((l) => {
    const sp = l.indexOf(' ');
    const p = sp < 0 ? '' : l.slice(sp + 1);
    return p === '' || RECORD.test(p);
  });
  return { all: packBytes(repo, objects), record: packBytes(repo, record) };
}

/**
 * Bytes an hour's pushes sent: the thin packs git push builds for them, rebuilt on the remote from the refs
 * before and after (the site branch's push includes the helper commit whose parent is the previous snapshot,
 * as publishDerived sends it). Pack files the remote stores are no measure: it completes thin packs.
 */
function pushedBytes(bare, before, after) {
  const pack = (input) => git(bare, ['pack-objects', '--revs', '--thin', '--stdout', '-q'], input).length;
  let n = 0;
  if (after.main && after.main !== before.main) n += pack(`${after.main}\n${before.main ? `^${before.main}\n` : ''}`);
  if (after.site && after.site !== before.site) {
    if (!before.site) n += pack(`${after.site}\n`);
    else {
      const helper = git(bare, ['commit-tree', `${after.site}^{tree}`, '-p', before.site, '-m', 'helper']).toString().trim();
      n += pack(`${helper}\n${after.site}\n^${before.site}\n`);
    }
  }
  return n;
}

const revParse = (repo, ref) => {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', ref]).toString().trim();
  } catch {
    return null;
  }
};

function treeBytes(dir) {
  let bytes = 0;
  let files = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        bytes += statSync(p).size;
        files++;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, files };
}

/** 24 (or `hours`) hourly runs with publishing; the history of both layouts and the size of each push. */
export async function historyBench(out, hours = 24) {
  const base = path.join(out, 'deploy-history');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  let hour = 0;
  const server = createServer((req, res) => {
    const abbr = /^\/(\w+)\.xml$/.exec(req.url ?? '')?.[1];
    if (!abbr || !SITES.includes(abbr)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(hourlyFeedXml(abbr, 100, 4, hour));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    const bare = path.join(base, 'remote.git');
    git(base, ['init', '--quiet', '--bare', '-b', 'main', bare]);
    const work = path.join(base, 'work');
    git(base, ['clone', '--quiet', bare, work]);
    git(work, ['checkout', '--quiet', '-b', 'main']);
    await cli(['init', '.'], work);
    writeFileSync(
      path.join(work, 'newsmirror.yaml'),
      ['archive: .', 'allowPrivateNetworks: true', 'fullText: never', 'sites:', ...SITES.map((abbr) => `  - {name: ${abbr}, abbr: ${abbr}, feed: "${origin}/${abbr}.xml"}`), ''].join('\n'),
    );
    git(work, ['add', '-A']);
    git(work, ['commit', '--quiet', '-m', 'set up']);
    git(work, ['push', '--quiet', 'origin', 'main']);
    // "before": the same work tree, every output committed to main (as the old publish staged it).
    const legacy = path.join(base, 'legacy.git');
    git(base, ['init', '--quiet', '--bare', '-b', 'main', legacy]);
    const legacyCommit = (msg) => {
      const args = [`--git-dir=${legacy}`, `--work-tree=${work}`];
      git(work, [...args, 'add', '--all', '--force', '--', 'articles', 'lists', 'README.md', 'feeds', 'site']);
      try {
        git(work, [...args, 'commit', '--quiet', '-m', msg]);
      } catch {
        // nothing changed
      }
    };
    const pushes = [];
    const legacyPushes = [];
    const walls = [];
    let start = null;
    for (hour = 0; hour <= hours; hour++) {
      const refs0 = { main: revParse(bare, 'main'), site: revParse(bare, 'site') };
      const legacy0 = revParse(legacy, 'main');
      const t0 = performance.now();
      await cli(['run', '--publish', '--no-progress', '--fail-on', 'any'], work);
      walls.push(performance.now() - t0);
      legacyCommit(`hour ${hour}`);
      if (hour > 0) {
        pushes.push(pushedBytes(bare, refs0, { main: revParse(bare, 'main'), site: revParse(bare, 'site') }));
        // The old layout's push: everything its commit adds, as a push of it would send.
        legacyPushes.push(git(legacy, ['pack-objects', '--revs', '--thin', '--stdout', '-q'], `main\n${legacy0 ? `^${legacy0}\n` : ''}`).length);
      }
      if (hour === 0) start = { after: historyBytes(bare, 'main'), before: historyBytes(legacy, 'main') };
    }
    const end = { after: historyBytes(bare, 'main'), before: historyBytes(legacy, 'main') };
    const site = historyBytes(bare, 'site');
    const ratio = (k) => (end[k].all - start[k].all) / (end[k].record - start[k].record);
    return {
      hours,
      before: { growth: end.before.all - start.before.all, record: end.before.record - start.before.record, ratio: ratio('before') },
      after: { growth: end.after.all - start.after.all, record: end.after.record - start.after.record, ratio: ratio('after') },
      siteBranchBytes: site.all,
      pushes,
      legacyPushes,
      walls,
    };
  } finally {
    server.close();
  }
}

/** The published tree (site/ and feeds/, as the site branch holds them) of an archive of `total` articles. */
export async function publishedSize(out, total) {
  const src = path.join(out, `archive-${total}`);
  await makeArchive(src, total);
  const dir = path.join(out, `deploy-published-${total}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('cp', ['-al', src, dir]);
  } catch {
    cpSync(src, dir, { recursive: true });
  }
  rmSync(path.join(dir, '.newsmirror'), { recursive: true, force: true });
  rmSync(path.join(dir, 'site'), { recursive: true, force: true });
  rmSync(path.join(dir, 'feeds'), { recursive: true, force: true });
  writeFileSync(path.join(dir, 'newsmirror.yaml'), ['archive: .', 'sites:', ...SITES.map((abbr) => `  - {name: ${abbr}, abbr: ${abbr}, feed: "http://127.0.0.1:9/${abbr}.xml"}`), ''].join('\n'));
  const t0 = performance.now();
  execFileSync(process.execPath, ['--max-old-space-size=4096', BIN, 'render'], { cwd: dir, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  const site = treeBytes(path.join(dir, 'site'));
  const feeds = treeBytes(path.join(dir, 'feeds'));
  const search = treeBytes(path.join(dir, 'site', 'search'));
  const articles = treeBytes(path.join(dir, 'articles'));
  rmSync(dir, { recursive: true, force: true });
  return { total, bytes: site.bytes + feeds.bytes, files: site.files + feeds.files, searchBytes: search.bytes, articleBytes: articles.bytes, renderMs: ms };
}

/** Rows for bench/run.mjs: { name, values, unit, target, pass }. */
export async function deployBench({ out, hours = 24, published = [100_000], log = () => {} }) {
  log(`deploy: ${hours} hourly runs with publishing …`);
  const h = await historyBench(out, hours);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [
    { name: `main history growth ÷ record growth over ${hours} h, before (everything on main)`, values: [h.before.ratio], unit: '×', target: null, pass: null },
    { name: `main history growth ÷ record growth over ${hours} h, after (site branch)`, values: [h.after.ratio], unit: '×', target: '≤ 1.2', pass: h.after.ratio <= 1.2 },
    { name: `main history growth over ${hours} h, before`, values: [h.before.growth / 1e6], unit: 'MB', target: null, pass: null },
    { name: `main history growth over ${hours} h, after`, values: [h.after.growth / 1e6], unit: 'MB', target: null, pass: null },
    { name: `record (articles, lists, README) growth over ${hours} h`, values: [h.after.record / 1e6], unit: 'MB', target: null, pass: null },
    { name: 'one hourly push (main + site branch), after', values: h.pushes.map((b) => b / 1e3), unit: 'KB', target: null, pass: null },
    { name: 'one hourly push, before', values: h.legacyPushes.map((b) => b / 1e3), unit: 'KB', target: null, pass: null },
    { name: 'hourly run --publish, wall time', values: h.walls.slice(1), unit: 'ms', target: null, pass: null },
  ];
  log(`  history: before ${(h.before.growth / 1e6).toFixed(2)} MB for ${(h.before.record / 1e6).toFixed(2)} MB of record (${h.before.ratio.toFixed(2)}×); after ${(h.after.growth / 1e6).toFixed(2)} MB for ${(h.after.record / 1e6).toFixed(2)} MB (${h.after.ratio.toFixed(2)}×); site branch ${(h.siteBranchBytes / 1e6).toFixed(2)} MB packed`);
  log(`  push: median ${(median(h.pushes) / 1e3).toFixed(1)} KB after, ${(median(h.legacyPushes) / 1e3).toFixed(1)} KB before`);
  for (const total of published) {
    log(`deploy: published website of ${total} articles …`);
    const p = await publishedSize(out, total);
    log(`  ${(p.bytes / GB).toFixed(3)} GB in ${p.files} files (search index ${(p.searchBytes / 1e6).toFixed(1)} MB; articles ${(p.articleBytes / GB).toFixed(3)} GB); render ${(p.renderMs / 1000).toFixed(0)} s`);
    rows.push({ name: `published website (site branch) at ${total / 1000}k articles, default site.pagesPerSite (5000)`, values: [p.bytes / GB], unit: 'GB', target: '≤ 1', pass: p.bytes <= GB });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const hours = args.includes('--hours') ? Number(args[args.indexOf('--hours') + 1]) : 24;
  const published = args.includes('--no-100k') ? [] : args.includes('--published') ? [Number(args[args.indexOf('--published') + 1])] : [100_000];
  const out = path.join(HERE, 'out');
  mkdirSync(out, { recursive: true });
  const rows = await deployBench({ out, hours, published, log: (s) => process.stderr.write(s + '\n') });
  for (const r of rows) {
    const sorted = [...r.values].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)];
    process.stdout.write(`${r.name}: ${med.toFixed(2)} ${r.unit} (${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)})${r.target ? `  target ${r.target} ${r.pass ? 'pass' : 'FAIL'}` : ''}\n`);
  }
}
