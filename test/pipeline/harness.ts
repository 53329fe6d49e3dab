/** Test harness for end-to-end runs: a loopback feed server with mutable routes, the real CLI, archive snapshots. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'newsmirror.js');

export interface Route {
  status?: number;
  body?: string | Buffer;
  type?: string;
  /** Delay before the headers, ms. */
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface FeedServer {
  origin: string;
  routes: Map<string, Route>;
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 serving `routes` (mutable between runs). */
export async function startFeedServer(routes: Record<string, Route> = {}): Promise<FeedServer> {
  const map = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const r = map.get(p);
    if (!r) {
      res.writeHead(404).end('not found');
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(r.status ?? 200, { 'content-type': r.type ?? 'application/rss+xml; charset=utf-8', ...r.headers });
      res.end(r.body ?? '');
    };
    if (r.delayMs) setTimeout(send, r.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    routes: map,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function tempDir(prefix = 'nm-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Write a newsmirror.yaml into `dir` with these sites (fast timeouts, loopback allowed). */
export function writeConfig(dir: string, sites: { name: string; abbr: string; feed: string; [k: string]: unknown }[], extra = ''): string {
  const file = path.join(dir, 'newsmirror.yaml');
  const lines = [
    'archive: archive',
    'allowPrivateNetworks: true',
    // A test that sets its own fetch limits replaces these.
    ...(extra.includes('fetch:') ? [] : ['fetch: {timeoutSeconds: 3, connectTimeoutSeconds: 2, retries: 1}']),
    extra,
    'sites:',
    ...sites.map((s) => `  - ${JSON.stringify(s)}`),
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (bin/newsmirror.js, compiled by `npm test`'s build) in `cwd`. */
export function cli(args: string[], cwd: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Every file under `root` (but the index folder) with its sha256: a byte-for-byte picture of the archive. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      if (rel === '.newsmirror') continue;
      if (statSync(full).isDirectory()) walk(full);
      else out.set(rel, createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

export interface ItemSpec {
  title: string;
  link: string;
  guid?: string;
  pubDate?: string;
  body?: string;
}

/** A minimal RSS 2.0 feed with content:encoded bodies. */
export function rss(title: string, items: ItemSpec[], encoding = 'UTF-8'): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>${esc(title)}</title><link>https://news.example/</link><description>test</description>
${items
  .map(
    (i) => `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link>${i.guid ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ''}${
      i.pubDate ? `<pubDate>${i.pubDate}</pubDate>` : ''
    }<description>${esc((i.body ?? '').slice(0, 50))}</description><content:encoded><![CDATA[${i.body ?? ''}]]></content:encoded></item>`,
  )
  .join('\n')}
</channel></rss>
`;
}

/** Archive-relative paths of article files of one site folder, sorted. */
export function articleFiles(archive: string, folder: string): string[] {
  try {
    return readdirSync(path.join(archive, 'articles', folder)).sort();
  } catch {
    return [];
  }
}
