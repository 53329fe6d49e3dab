// Figures of issue 13 (re-checks and revisions), through the real CLI on loopback sites with --now:
//   1. wall time and requests of a recheck pass over 1,000 stored articles at the default politeness
//      (8 requests at once, 2 per host), pages answering after a fixed delay, on 1 host and on 9;
//   2. revisions written for 100 trivial edits (must be 0) and for 100 real ones (must be 100);
//   3. peak RSS of a run that includes its re-check share (perRun 100) against the same run without it.
// `node bench/recheck.mjs` (after `npm run build`) prints JSON; bench/run.mjs calls recheckFigures().
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'bin', 'newsmirror.js');
const T0 = Date.parse('2024-03-01T00:00:00Z');
const H = 3600_000;
const iso = (ms) => new Date(ms).toISOString();

const LEAD = '国会周二通过了一项新的预算法案，将为基础设施投入更多资金，包括道路、桥梁和铁路。';
const MORE = '反对者说，这项法案会增加财政赤字，并呼吁在下一个会期重新审议其中的主要条款。';
// Every story has a link with a tracking parameter, a relative time, attributes and an image: what the
// trivial edits below change.
const EXTRAS = '<a href="https://news.example/x?id=1&amp;utm_source=rss">相关报道</a> <span class="a" id="b">19 分钟前</span>';
const paragraphs = (i, edit = '') => [`第${i}篇：${LEAD}${edit}`, MORE, MORE.replace('反对者', '支持者'), LEAD.replace('周二', '上周'), EXTRAS, '<img src="https://img.example/a.jpg" alt="">'];
const bodyHtml = (ps) => ps.map((p) => `<p>${p}</p>`).join('');
const page = (title, ps) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><meta property="og:title" content="${title}"></head><body><nav><a href="/">首页</a></nav><article><h1>${title}</h1>${bodyHtml(ps)}</article><footer>版权所有</footer></body></html>`;

function rss(items) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>bench</title><link>https://news.example/</link><description>b</description>
${items.map((it) => `<item><title>${it.title}</title><link>${it.link}</link><guid isPermaLink="false">${it.guid}</guid><pubDate>${it.pubDate}</pubDate><content:encoded><![CDATA[${it.body}]]></content:encoded></item>`).join('\n')}
</channel></rss>
`;
}

/** One loopback host per site: its feed and its article pages (answering after `delayMs`), counting requests. */
async function startHost(delayMs) {
  const routes = new Map();
  let requests = 0;
  const server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const r = routes.get(p);
    const send = () => {
      if (!r) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': r.type }).end(r.body);
    };
    if (p.includes('/a/')) {
      requests++;
      setTimeout(send, delayMs);
    } else send();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, routes, requests: () => requests, reset: () => void (requests = 0), close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** Run the CLI, polling its peak RSS (VmHWM); resolves with code, stdout, wall ms, peak MB. */
function measured(args, cwd) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    }, 10);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) process.stderr.write(`${args.join(' ')}: exit ${code}\n${stderr}\n`);
      resolve({ code, stdout, ms: performance.now() - t0, peakMb: peak });
    });
  });
}

/** A mirror of `hosts.length` sites with `perSite` stories each, stored by one run at T0. */
async function makeMirror(hosts, perSite, extra = '') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nm-bench-recheck-'));
  const sites = hosts.map((h, s) => {
    const items = Array.from({ length: perSite }, (_, i) => ({
      title: `站点${s} 预算法案报道 ${i}`,
      link: `${h.origin}/a/${i}.html`,
      guid: `s${s}-${i}`,
      pubDate: new Date(T0 - (perSite - i) * 1000).toUTCString(),
      body: bodyHtml(paragraphs(i)),
    }));
    h.items = items;
    h.routes.set('/feed.xml', { type: 'application/rss+xml; charset=utf-8', body: rss(items) });
    for (const [i, it] of items.entries()) h.routes.set(`/a/${i}.html`, { type: 'text/html; charset=utf-8', body: page(it.title, paragraphs(i)) });
    return { name: `站点${s}`, abbr: `s${s}`, feed: `${h.origin}/feed.xml`, fullText: 'never' };
  });
  writeFileSync(
    path.join(dir, 'newsmirror.yaml'),
    ['archive: archive', 'allowPrivateNetworks: true', extra, 'sites:', ...sites.map((s) => `  - ${JSON.stringify(s)}`)].join('\n') + '\n',
  );
  const r = await measured(['run', '--json', '--no-progress', '--no-recheck', '--now', iso(T0)], dir);
  if (r.code !== 0) throw new Error('bench mirror: first run failed');
  return dir;
}

function revisionFiles(archive) {
  const root = path.join(archive, 'revisions');
  let n = 0;
  if (!existsSync(root)) return 0;
  for (const f of readdirSync(root)) for (const id of readdirSync(path.join(root, f))) n += readdirSync(path.join(root, f, id)).filter((x) => x.endsWith('.md')).length;
  return n;
}

export async function recheckPass(hostCount, delayMs) {
  const hosts = await Promise.all(Array.from({ length: hostCount }, () => startHost(delayMs)));
  try {
    const dir = await makeMirror(hosts, Math.ceil(1000 / hostCount));
    for (const h of hosts) h.reset();
    const r = await measured(['recheck', '--json', '--now', iso(T0 + H)], dir);
    const rep = JSON.parse(r.stdout);
    const requests = hosts.reduce((n, h) => n + h.requests(), 0);
    rmSync(dir, { recursive: true, force: true });
    // Default politeness: 8 at once, 2 per host. The floor is the pages' own delay at that parallelism.
    const parallel = Math.min(8, 2 * hostCount);
    return { hosts: hostCount, articles: rep.checked, requests, wallMs: Math.round(r.ms), passMs: rep.ms, floorMs: Math.round((requests * delayMs) / parallel), peakMb: Math.round(r.peakMb), outcomes: rep.outcomes };
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
}

const TRIVIAL = [
  (b) => b.replace(/<p>/g, '<p>\n  ').replace(/，/g, '， '),
  (b) => b.replace('utm_source=rss', 'utm_source=twitter&amp;fbclid=z'),
  (b) => b.replace('19 分钟前', '3 小时前'),
  (b) => b.replace('class="a" id="b"', 'id="b" class="a"'),
  (b) => b.replace('https://img.example/a.jpg', 'https://images.weserv.nl/?url=https%3A%2F%2Fimg.example%2Fa.jpg'),
];

async function revisionCounts() {
  const [host] = [await startHost(0)];
  try {
    const dir = await makeMirror([host], 100);
    const archive = path.join(dir, 'archive');
    const feed = (f) => host.routes.set('/feed.xml', { type: 'application/rss+xml; charset=utf-8', body: rss(host.items.map((it, i) => ({ ...it, body: f(i) }))) });
    // The trivial kinds of change, one per story in turn; then the real ones: a sentence changed in each.
    feed((i) => TRIVIAL[i % TRIVIAL.length](bodyHtml(paragraphs(i))));
    await measured(['run', '--json', '--no-progress', '--no-recheck', '--now', iso(T0 + H)], dir);
    const trivial = revisionFiles(archive);
    feed((i) => bodyHtml(paragraphs(i, `更正：第${i}篇的数字有误。`)));
    await measured(['run', '--json', '--no-progress', '--no-recheck', '--now', iso(T0 + 2 * H)], dir);
    const real = revisionFiles(archive) - trivial;
    rmSync(dir, { recursive: true, force: true });
    return { trivialEdits: 100, revisionsForTrivial: trivial, realEdits: 100, revisionsForReal: real };
  } finally {
    await host.close();
  }
}

async function rssWithShare(reps) {
  const hosts = await Promise.all(Array.from({ length: 9 }, () => startHost(20)));
  const out = { with: [], without: [] };
  try {
    for (let k = 0; k < reps; k++) {
      for (const mode of ['without', 'with']) {
        const dir = await makeMirror(hosts, 112, 'recheck: {perRun: 100}');
        const r = await measured(['run', '--json', '--no-progress', '--now', iso(T0 + H), ...(mode === 'with' ? [] : ['--no-recheck'])], dir);
        const rep = JSON.parse(r.stdout);
        out[mode].push({ peakMb: Math.round(r.peakMb), wallMs: Math.round(r.ms), rechecked: rep.recheck?.checked ?? 0 });
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { reps, runsWith: out.with, runsWithout: out.without, medianPeakMbWith: med(out.with.map((x) => x.peakMb)), medianPeakMbWithout: med(out.without.map((x) => x.peakMb)) };
}

/** Every figure above, `reps` times each; `delayMs`: how long each page takes to answer. */
export async function recheckFigures({ delayMs = 50, reps = 3 } = {}) {
  const passes = { 1: [], 9: [] };
  for (let k = 0; k < reps; k++) for (const hosts of [1, 9]) passes[hosts].push(await recheckPass(hosts, delayMs));
  return { delayMs, reps, recheckPass: passes, revisions: await revisionCounts(), peakRss: await rssWithShare(reps) };
}

/** The figures as rows of bench/run.mjs's table (`row(name, values, unit, target, pass)`). */
export async function recheckRows(row, reps) {
  const f = await recheckFigures({ reps });
  for (const hosts of [1, 9]) {
    const runs = f.recheckPass[hosts];
    row(`recheck pass: 1,000 articles on ${hosts} host${hosts > 1 ? 's' : ''}, pages answer in ${f.delayMs} ms`, runs.map((r) => r.wallMs / 1000), 's');
    row(`recheck pass: requests (1,000 articles, ${hosts} host${hosts > 1 ? 's' : ''})`, runs.map((r) => r.requests), 'requests');
    row(`recheck pass: floor at the default politeness (${hosts} host${hosts > 1 ? 's' : ''})`, runs.map((r) => r.floorMs / 1000), 's');
  }
  row('revisions written for 100 trivial edits', [f.revisions.revisionsForTrivial], 'files', '0', f.revisions.revisionsForTrivial === 0);
  row('revisions written for 100 real edits', [f.revisions.revisionsForReal], 'files', '100', f.revisions.revisionsForReal === 100);
  row('peak RSS: run with its recheck share (100)', f.peakRss.runsWith.map((r) => r.peakMb), 'MB');
  row('peak RSS: the same run without', f.peakRss.runsWithout.map((r) => r.peakMb), 'MB');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const figures = await recheckFigures();
  process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
}
