/**
 * `newsmirror demo`: an offline mirror run. Real articles from the archive sample, bundled as the feeds the
 * original mirror read (demo/feeds: feedx-style RSS for 美国之音, BBC and 德国之声; a teaser-only WordPress feed
 * for 中国数字时代 with its article pages in demo/pages), are served on 127.0.0.1 and mirrored into a local
 * archive, so a new user sees the whole pipeline, full-text stage included, without a network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromObject } from '../config/index.js';
import { NewsmirrorError } from '../errors.js';
import { digestArchive, runMirror } from '../pipeline/index.js';
import { createFetcher } from '../fetch/index.js';
import type { Fetcher, RunReport } from '../types.js';
import { createProgress, formatReport, saveLastReport } from './report.js';

/** The bundled demo data, shipped with the package beside dist/ (regenerate with demo/make-demo.ts). */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

interface ManifestEntry {
  name: string;
  abbr: string;
  file: string;
  contentType: string;
  fullText?: 'auto' | 'always' | 'never';
  selector?: string | null;
  images?: 'proxy' | 'local' | 'none';
  /** The site's id scheme: CDT's ids are its WordPress post ids, as in the original archive. */
  ids?: 'sequential' | 'wordpress';
}

/** The demo's sites (demo/feeds/sites.json). */
export function demoSites(): ManifestEntry[] {
  return JSON.parse(readFileSync(path.join(DEMO_DIR, 'feeds', 'sites.json'), 'utf8')) as ManifestEntry[];
}

/**
 * The article pages the demo holds, by their real URL (demo/pages/index.json: URL → file under demo/pages).
 * The feeds keep the outlets' real links, so the archived articles link to the real stories; only the
 * demo's fetcher knows that their pages are served on loopback.
 */
export function demoPages(): Map<string, string> {
  const file = path.join(DEMO_DIR, 'pages', 'index.json');
  if (!existsSync(file)) return new Map();
  const index = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(index).map(([url, rel]) => [new URL(url).href, rel]));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/xml',
  '.json': 'application/json',
};

/** Serve demo/feeds and demo/pages on 127.0.0.1: feeds by manifest content type, pages by extension. */
export async function startDemoServer(sites: ManifestEntry[]): Promise<{ origin: string; server: Server }> {
  const byPath = new Map(sites.map((s) => [`/feeds/${s.file}`, s]));
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const rel = path.posix.normalize(decodeURIComponent(url.pathname));
      if (rel.includes('..') || !/^\/(feeds|pages)\//.test(rel)) {
        res.writeHead(404).end();
        return;
      }
      let body: Buffer;
      try {
        body = await readFile(path.join(DEMO_DIR, rel));
      } catch {
        res.writeHead(404).end();
        return;
      }
      const type = byPath.get(rel)?.contentType ?? TYPES[path.extname(rel).toLowerCase()] ?? 'application/octet-stream';
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

/**
 * The demo's fetcher: a bundled page's real URL is fetched from the loopback server and reported under its
 * real URL (so the archive's links and the page's base stay the outlet's, and a second run sees the same
 * ones whatever port the server got); loopback URLs pass; anything else is refused, since the demo is offline.
 */
function demoFetcher(inner: Fetcher, origin: string, pages: Map<string, string>): Fetcher {
  return {
    async fetch(req) {
      let href: string;
      try {
        href = new URL(req.url).href;
      } catch {
        href = req.url;
      }
      const page = pages.get(href);
      if (page) {
        const out = await inner.fetch({ ...req, url: `${origin}/pages/${page}` });
        return { ...out, url: req.url };
      }
      if (href.startsWith(`${origin}/`)) return inner.fetch(req);
      throw new NewsmirrorError('network', `${req.url}: not bundled with the offline demo`);
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
  const pages = demoPages();
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
          feed: `${origin}/feeds/${s.file}`,
          ...(s.fullText ? { fullText: s.fullText } : {}),
          ...(s.selector ? { selector: s.selector } : {}),
          ...(s.images ? { images: s.images } : {}),
          ...(s.ids ? { ids: s.ids } : {}),
        })),
      },
      null,
      { cwd: process.cwd() },
    );
    const progress = createProgress(opts.progress && !opts.json);
    const fetcher = demoFetcher(createFetcher(config.fetch), origin, pages);
    const report = await runMirror(config, { onProgress: progress.onProgress, fetcher });
    await fetcher.close();
    progress.stop();
    await saveLastReport(config.archive, report);
    // A run writes yesterday's and today's digests; the demo's stories are years old, so it writes every day
    // of its archive, as `digest --all` does (unchanged days come out byte for byte as they were).
    const digests = await digestArchive(config, { dates: 'all' });
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      process.stdout.write(formatReport(report));
      const rel = path.relative(process.cwd(), out) || '.';
      process.stdout.write(
        [
          '',
          `The demo mirrored real articles of ${sites.map((s) => s.name).join(', ')} (bundled feeds served on ${origin}). Look at:`,
          `  ${rel}/README.md            the index, one list per site`,
          `  ${rel}/lists/               per-site lists (newest first, dates in GMT+8)`,
          `  ${rel}/articles/<abbr>/     one Markdown file per article`,
          `  ${rel}/feeds/all.xml        the mirror's own Atom feed`,
          `  ${rel}/site/index.html      the website; preview it with: npx newsmirror serve --archive ${rel}`,
          `  ${rel}/${path.relative(out, digests.outDir).split(path.sep).join('/')}/index.html  daily digests (EPUB and one HTML file), ${digests.digests.length} days`,
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
