// One bench measurement in a fresh process: node bench/worker.mjs <scenario> <json args>.
// Prints one JSON line: { ms, items?, bytes?, files?, maxRssMb }. Imports the compiled dist/.
import { readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';

const [scenario, argJson] = process.argv.slice(2);
const args = JSON.parse(argJson ?? '{}');
const dist = (m) => import(new URL(`../dist/${m}`, import.meta.url).href);

function done(out) {
  out.maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

/** Loopback servers in a child process (bench/feed-server.mjs): each feed on its own port, optional latency. */
async function serveFeeds(files, { copies = 1, delayMs = 0 } = {}) {
  const child = spawn(process.execPath, [new URL('./feed-server.mjs', import.meta.url).pathname, JSON.stringify({ files, copies, delayMs })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`feed server exited with ${code}`)));
  });
  const { urls } = JSON.parse(line);
  return { urls, close: () => new Promise((r) => (child.once('exit', r), child.stdin.end())) };
}

async function config(archive, urls) {
  const { fromObject } = await dist('config/index.js');
  return fromObject(
    { archive, imageProxy: 'https://images.weserv.nl?url={url}', allowPrivateNetworks: true, fullText: 'never', sites: urls.map((feed, i) => ({ name: `站点${i}`, abbr: `s${i}`, feed })) },
    null,
    { cwd: process.cwd() },
  );
}

const t = () => performance.now();

// newsmirror's scenarios run in a process set up the way the `newsmirror` launcher sets it up (bin/newsmirror.js);
// rss-parser's in a plain node process.
if (scenario !== 'parse-rss-parser') (await dist('cli/process.js')).configureProcess();

switch (scenario) {
  case 'parse-newsmirror':
  case 'parse-rss-parser': {
    // The same bytes for both. The first parse in the fresh process is timed on its own (cold: interpreter,
    // young heap); then WARMUP more parses, then `loops` parses timed together (throughput once the JIT has
    // compiled the hot code, as an hourly run reaches after its first feeds).
    const bytes = readFileSync(args.file);
    let parse;
    if (scenario === 'parse-newsmirror') {
      const { parseFeed } = await dist('parse/index.js');
      parse = async () => parseFeed(bytes, { url: 'https://bench.example/feed.xml' }).items.length;
    } else {
      const { default: Parser } = await import('rss-parser');
      const parser = new Parser();
      // Decoding is part of parsing for both: newsmirror gets bytes, rss-parser the string made from them.
      parse = async () => (await parser.parseString(bytes.toString('utf8'))).items.length;
    }
    const t0 = t();
    const firstItems = await parse();
    const firstMs = t() - t0;
    for (let i = 0; i < (args.warmup ?? 5); i++) await parse();
    const t1 = t();
    let items = 0;
    for (let i = 0; i < args.loops; i++) items += await parse();
    done({ ms: t() - t1, items, bytes: bytes.length * args.loops, firstMs, firstItems });
    break;
  }
  case 'pipeline': {
    // parse → clean → identity → write (fsync) for one feed into an empty archive; lists/README, no site.
    const { runMirror } = await dist('pipeline/index.js');
    rmSync(args.archive, { recursive: true, force: true });
    const feeds = await serveFeeds([args.file]);
    const cfg = await config(args.archive, feeds.urls);
    const t0 = t();
    const report = await runMirror(cfg, { render: false });
    const ms = t() - t0;
    await feeds.close();
    done({ ms, items: report.totals.new });
    break;
  }
  case 'stages': {
    // The pipeline's three costly stages over one feed, one after the other in a fresh process, each timed on
    // its own: parse, clean every body (sanitize-html and our transforms), write one file per item (atomic,
    // fsync). No index, fetch or lists: this shows where a pipeline run's time goes, not a second run.
    const { parseFeed } = await dist('parse/index.js');
    const { cleanHtml } = await dist('clean/index.js');
    const { writeFilesAtomic } = await dist('archive/write.js');
    const bytes = readFileSync(args.file);
    rmSync(args.dir, { recursive: true, force: true });
    const t0 = t();
    const { items } = parseFeed(bytes, { url: 'https://bench.example/feed.xml' });
    const t1 = t();
    const bodies = items.map((item) => cleanHtml(item.contentHtml ?? item.summary ?? '', { baseUrl: item.link ?? null, imageProxy: 'https://images.weserv.nl?url={url}' }));
    const t2 = t();
    const changed = await writeFilesAtomic(bodies.map((data, i) => ({ file: path.join(args.dir, `${i}.md`), data })));
    const t3 = t();
    rmSync(args.dir, { recursive: true, force: true });
    done({ items: items.length, written: changed.filter(Boolean).length, parseMs: t1 - t0, cleanMs: t2 - t1, writeMs: t3 - t2 });
    break;
  }
  case 'run': {
    // A whole run of the 9 bench sites (cold or no-op, depending on the archive), feeds + site included.
    const { runMirror } = await dist('pipeline/index.js');
    if (args.fresh) rmSync(args.archive, { recursive: true, force: true });
    const feeds = await serveFeeds(args.files);
    const cfg = await config(args.archive, feeds.urls);
    cfg.sites = cfg.sites.map((s, i) => ({ ...s, abbr: args.abbrs?.[i] ?? s.abbr, name: args.names?.[i] ?? s.name }));
    const t0 = t();
    const report = await runMirror(cfg, { render: args.render ?? true });
    const ms = t() - t0;
    await feeds.close();
    done({ ms, items: report.totals.new + report.totals.unchanged, newItems: report.totals.new, failed: report.totals.failed });
    break;
  }
  case 'latency': {
    const { runMirror } = await dist('pipeline/index.js');
    const { DEFAULT_FETCH } = await dist('config/index.js');
    rmSync(args.archive, { recursive: true, force: true });
    const feeds = await serveFeeds([args.file], { copies: 100, delayMs: 200 });
    const cfg = await config(args.archive, feeds.urls);
    const t0 = t();
    const report = await runMirror(cfg, { render: false });
    const ms = t() - t0;
    await feeds.close();
    done({ ms, items: report.totals.new, concurrency: DEFAULT_FETCH.concurrency, failed: report.totals.failed });
    break;
  }
  case 'import': {
    const { importArchive } = await dist('archive/index.js');
    const { ArchiveIndex } = await dist('identity/index.js');
    rmSync(path.join(args.archive, '.newsmirror'), { recursive: true, force: true });
    const index = ArchiveIndex.open(args.archive);
    const t0 = t();
    const rep = await importArchive(args.archive, index, args.sites);
    const ms = t() - t0;
    index.close();
    done({ ms, files: rep.indexed });
    break;
  }
  case 'render': {
    const { renderArchive } = await dist('pipeline/index.js');
    const { fromObject } = await dist('config/index.js');
    const cfg = fromObject({ archive: args.archive, sites: args.sites.map((s) => ({ ...s, feed: 'http://127.0.0.1:9/x.xml' })) }, null, { cwd: process.cwd() });
    const t0 = t();
    await renderArchive(cfg, { feedsAndSite: args.site === true });
    done({ ms: t() - t0 });
    break;
  }
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
