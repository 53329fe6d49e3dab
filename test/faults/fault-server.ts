/**
 * A loopback HTTP server that misbehaves on purpose, one fault per path. Every response is bounded in time
 * and bytes by the client's own limits: the "2 GB" and endless bodies stream only while the client reads.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Fault = (req: IncomingMessage, res: ServerResponse, server: FaultServer) => void;

export interface FaultServer {
  origin: string;
  port: number;
  hits: Map<string, number>;
  set(path: string, fault: Fault): void;
  close(): Promise<void>;
}

/** Start a fault server on 127.0.0.1 with the given faults. */
export async function startFaultServer(faults: Record<string, Fault> = {}): Promise<FaultServer> {
  const map = new Map(Object.entries(faults));
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const f = map.get(p);
    if (!f) return void res.writeHead(404).end();
    f(req, res, api);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const api: FaultServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    set: (p, f) => void map.set(p, f),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return api;
}

const stream = (res: ServerResponse, total: number, chunk = Buffer.alloc(64 * 1024, 0x3c)) => {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return;
    }
    res.end();
  };
  res.on('drain', pump);
  res.on('close', () => res.removeListener('drain', pump));
  pump();
};

/** The faults of the issue, as reusable handlers. */
export const faults = {
  ok: (body: string | Buffer, type = 'application/rss+xml; charset=utf-8'): Fault => (_q, res) => void res.writeHead(200, { 'content-type': type }).end(body),
  status: (code: number): Fault => (_q, res) => void res.writeHead(code).end(`error ${code}`),
  delayHeaders: (ms: number): Fault => (_q, res) => void setTimeout(() => !res.destroyed && res.writeHead(200).end('<rss/>'), ms).unref(),
  drip: (body: string): Fault => (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    let i = 0;
    const t = setInterval(() => (i < body.length && !res.destroyed ? res.write(body[i++]!) : (clearInterval(t), res.end())), 100);
    res.on('close', () => clearInterval(t));
  },
  reset: (): Fault => (req) => req.socket.destroy(),
  closeMidBody: (body: string): Fault => (req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) });
    res.write(body.slice(0, body.length >> 1));
    setTimeout(() => req.socket.destroy(), 20);
  },
  retryAfter: (seconds: number, then: Fault): Fault => {
    let n = 0;
    return (q, res, s) => (n++ === 0 ? void res.writeHead(429, { 'retry-after': String(seconds) }).end() : then(q, res, s));
  },
  redirect: (location: string, code = 302): Fault => (_q, res) => void res.writeHead(code, { location }).end(),
  huge: (bytes: number): Fault => (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(bytes) });
    stream(res, bytes);
  },
  endless: (): Fault => (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    stream(res, Number.POSITIVE_INFINITY);
  },
  lieLength: (body: string, declared: number): Fault => (req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(declared) });
    res.write(body);
    setTimeout(() => req.socket.destroy(), 20);
  },
  corruptGzip: (): Fault => (_q, res) => {
    const gz = gzipSync(Buffer.from('<rss><channel><title>x</title></channel></rss>'));
    gz.fill(0x41, 12, 30);
    res.writeHead(200, { 'content-type': 'application/xml', 'content-encoding': 'gzip' }).end(gz);
  },
  empty: (): Fault => (_q, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(),
};
