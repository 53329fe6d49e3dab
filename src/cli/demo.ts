/**
 * `newsmirror demo`: an offline mirror run. Bundled real-format feeds (demo/feeds, demo/pages) are served on
 * 127.0.0.1 and mirrored into a local archive, so a new user sees the whole pipeline without a network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromObject } from '../config/index.js';
import { NewsmirrorError } from '../errors.js';
import { runMirror } from '../pipeline/index.js';
import { createFetcher } from '../fetch/index.js';
import type { Fetcher, RunReport } from '../types.js';
import { createProgress, formatReport, saveLastReport } from './report.js';

/** The bundled demo data, shipped with the package beside dist/. */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

/**
 * The origin the demo feeds' article and image links name. It never changes, whatever port the server gets,
 * so a second demo run sees the same links (nothing new, nothing updated); the demo's fetcher maps it onto
 * the loopback server. (.test is reserved: it can never be a real host.)
 */
export const DEMO_ORIGIN = 'http://demo.newsmirror.test';

interface ManifestEntry {
  name: string;
  abbr: string;
  file: string;
  contentType: string;
  /** Where the file lives under demo/ (default feeds/). */
  dir?: string;
  fullText?: 'auto' | 'always' | 'never';
  selector?: string | null;
  images?: 'proxy' | 'local' | 'none';
}

/** The demo's sites: the bundled feed manifest, plus the full-text and local-image showcases. */
export function demoSites(): ManifestEntry[] {
  const manifest = JSON.parse(readFileSync(path.join(DEMO_DIR, 'feeds', 'sites.json'), 'utf8')) as ManifestEntry[];
  const extras: ManifestEntry[] = [];
  // A summary-only feed whose articles come out whole (the original scraped CDT's pages the same way).
  if (existsSync(path.join(DEMO_DIR, 'pages', 'cdt.xml'))) {
    extras.push({ name: '中国数字时代', abbr: 'cdt', file: 'cdt.xml', dir: 'pages', contentType: 'application/rss+xml; charset=utf-8', fullText: 'auto', selector: 'div.post-content' });
  }
  // A site whose images are stored beside the articles instead of going through the proxy.
  if (existsSync(path.join(DEMO_DIR, 'pages', 'dw-images.xml'))) {
    extras.push({ name: '德国之声', abbr: 'dw', file: 'dw-images.xml', dir: 'pages', contentType: 'application/rss+xml; charset=utf-8', fullText: 'never', images: 'local' });
  }
  const taken = new Set(extras.flatMap((e) => [e.abbr, e.name]));
  // The bundled feeds link to the real outlets, which the offline demo cannot reach: no full-text fetches.
  const bundled = manifest.filter((m) => !taken.has(m.abbr) && !taken.has(m.name)).map((m) => ({ ...m, fullText: m.fullText ?? 'never' }));
  return [...bundled, ...extras];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.xml': 'application/xml',
  '.json': 'application/json',
};

/** Serve demo/ on 127.0.0.1: feeds by manifest content type, pages and images by extension. */
export async function startDemoServer(sites: ManifestEntry[]): Promise<{ origin: string; server: Server }> {
  const byPath = new Map(sites.map((s) => [`/${s.dir ?? 'feeds'}/${s.file}`, s]));
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const rel = path.posix.normalize(decodeURIComponent(url.pathname));
      if (rel.includes('..') || !/^\/(feeds|pages|images)\//.test(rel)) {
        res.writeHead(404).end();
        return;
      }
      // demo/pages holds the article pages and the images they use (/images/x → demo/pages/images/x).
      const file = rel.startsWith('/images/') ? path.join(DEMO_DIR, 'pages', rel) : path.join(DEMO_DIR, rel);
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch {
        res.writeHead(404).end();
        return;
      }
      const ext = path.extname(file).toLowerCase();
      const type = byPath.get(rel)?.contentType ?? TYPES[ext] ?? 'application/octet-stream';
      if (/\.(xml|html|json)$/.test(ext) && body.includes('{{origin}}')) {
        body = Buffer.from(body.toString('latin1').replaceAll('{{origin}}', DEMO_ORIGIN), 'latin1');
      }
      res.writeHead(200, { 'content-type': type, 'content-length': body.length });
      res.end(body);
    })();
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, server };
}

/** A fetcher that sends requests for DEMO_ORIGIN to the loopback server, and reports URLs in DEMO_ORIGIN. */
function demoFetcher(inner: Fetcher, origin: string): Fetcher {
  const toServer = (u: string) => (u.startsWith(DEMO_ORIGIN) ? origin + u.slice(DEMO_ORIGIN.length) : u);
  const toDemo = (u: string) => (u.startsWith(origin) && u.includes('/pages/') ? DEMO_ORIGIN + u.slice(origin.length) : u);
  return {
    async fetch(req) {
      const out = await inner.fetch({ ...req, url: toServer(req.url) });
      return { ...out, url: toDemo(out.url) };
    },
    close: () => inner.close(),
  };
}

/** Serve the demo feeds, mirror them into `out`, print the report and where to look. */
export async function runDemo(out: string, opts: { json: boolean; progress: boolean }): Promise<RunReport> {
  if (!existsSync(path.join(DEMO_DIR, 'feeds', 'sites.json'))) {
    throw new NewsmirrorError('io', `${DEMO_DIR}: demo data is missing (reinstall newsmirror)`);
  }
  const sites = demoSites();
  const { origin, server } = await startDemoServer(sites);
  try {
    const config = fromObject(
      {
        archive: out,
        // The demo's "sites" are on loopback: allow the full-text and image fetches to reach them.
        allowPrivateNetworks: true,
        fetch: { retries: 0, timeoutSeconds: 10 },
        site: { dir: 'site', baseUrl: null },
        sites: sites.map((s) => ({
          name: s.name,
          abbr: s.abbr,
          feed: `${origin}/${s.dir ?? 'feeds'}/${s.file}`,
          ...(s.fullText ? { fullText: s.fullText } : {}),
          ...(s.selector ? { selector: s.selector } : {}),
          ...(s.images ? { images: s.images } : {}),
        })),
      },
      null,
      { cwd: process.cwd() },
    );
    const progress = createProgress(opts.progress && !opts.json);
    const fetcher = demoFetcher(createFetcher(config.fetch), origin);
    const report = await runMirror(config, { onProgress: progress.onProgress, fetcher });
    await fetcher.close();
    progress.stop();
    await saveLastReport(config.archive, report);
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      process.stdout.write(formatReport(report));
      const rel = path.relative(process.cwd(), out) || '.';
      process.stdout.write(
        [
          '',
          `The demo mirrored ${sites.length} bundled feeds served on ${origin}. Look at:`,
          `  ${rel}/README.md            the index, one list per site`,
          `  ${rel}/lists/               per-site lists (newest first, dates in GMT+8)`,
          `  ${rel}/articles/<abbr>/     one Markdown file per article`,
          `  ${rel}/feeds/all.xml        the mirror's own Atom feed`,
          `  ${rel}/site/index.html      the website; preview it with: npx newsmirror serve --archive ${rel}`,
          'Run the demo again: nothing is new, and no file changes.',
          '',
        ].join('\n'),
      );
    }
    return report;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
