/** The fetch stage against real loopback servers: limits, retries, timeouts, caps, compression, validators, SSRF. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { NewsmirrorError } from '../../src/errors.js';
import { createFetcher, DEFAULT_FETCH_POLICY, isPrivateAddress } from '../../src/fetch/index.js';
import type { FetchPolicy } from '../../src/types.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function serve(handler: Handler) {
  let n = 0;
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req, res) => {
    n++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => open--);
    handler(req, res, n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (p = '/') => `http://127.0.0.1:${port}${p}`,
    get hits() {
      return n;
    },
    get maxOpen() {
      return maxOpen;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const POLICY: FetchPolicy = { ...DEFAULT_FETCH_POLICY, retries: 2, retryBaseMs: 20, timeoutMs: 1500, connectTimeoutMs: 1000, maxBytes: 64 * 1024, allowPrivateNetworks: false };

async function failure(p: Promise<unknown>): Promise<NewsmirrorError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof NewsmirrorError, String(err));
    assert.ok(!err.message.includes('\n'));
    return err;
  }
  assert.fail('expected a failure');
}

test('500 then 200 is retried; 503 always fails after every attempt; 404 is not retried', async () => {
  const s = await serve((req, res, n) => {
    if (req.url === '/flaky') return n === 1 ? res.writeHead(500).end() : res.end('ok');
    if (req.url === '/down') return res.writeHead(503).end();
    res.writeHead(404).end();
  });
  const f = createFetcher(POLICY);
  try {
    const ok = await f.fetch({ url: s.url('/flaky') });
    assert.equal(ok.kind, 'fetched');
    assert.equal(ok.kind === 'fetched' && ok.body.toString(), 'ok');
    const before = s.hits;
    const down = await failure(f.fetch({ url: s.url('/down') }));
    assert.equal(down.code, 'http_status');
    assert.equal(down.status, 503);
    assert.match(down.message, /^GET http:\/\/127\.0\.0\.1:\d+\/down: HTTP 503 after 3 attempts$/);
    assert.equal(s.hits - before, 3);
    const mid = s.hits;
    const nf = await failure(f.fetch({ url: s.url('/missing') }));
    assert.equal(nf.code, 'http_status');
    assert.equal(s.hits - mid, 1);
  } finally {
    await f.close();
    await s.close();
  }
});

test('a refused connection is one line that names the URL and the error code once', async () => {
  const s = await serve((_req, res) => res.end('ok'));
  const url = s.url('/gone');
  await s.close();
  const f = createFetcher({ ...POLICY, retries: 0 });
  try {
    const err = await failure(f.fetch({ url }));
    assert.equal(err.code, 'network');
    assert.ok(err.message.startsWith(`GET ${url}: `), err.message);
    assert.equal(err.message.split('ECONNREFUSED').length, 2, err.message);
  } finally {
    await f.close();
  }
});

test('429 with Retry-After is honoured; a Retry-After longer than we wait fails at once', async () => {
  const times: number[] = [];
  const s = await serve((req, res, n) => {
    times.push(Date.now());
    if (req.url === '/limited') return n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.end('fine');
    res.writeHead(429, { 'retry-after': '3600' }).end();
  });
  const f = createFetcher(POLICY);
  try {
    const ok = await f.fetch({ url: s.url('/limited') });
    assert.equal(ok.kind, 'fetched');
    assert.equal(s.hits, 2);
    assert.ok(times[1]! - times[0]! >= 900, `waited ${times[1]! - times[0]!} ms as asked`);
    const long = await failure(f.fetch({ url: s.url('/long') }));
    assert.equal(long.code, 'http_429');
    assert.match(long.message, /Retry-After 3600 s is longer than we wait/);
    assert.equal(s.hits, 3);
  } finally {
    await f.close();
    await s.close();
  }
});

test('timeouts: headers that never come, a body that drips forever', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/drip') {
      res.writeHead(200);
      const t = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(t));
      return;
    }
    /* never answer */
  });
  const f = createFetcher({ ...POLICY, retries: 0, timeoutMs: 400 });
  try {
    const t0 = Date.now();
    const hang = await failure(f.fetch({ url: s.url('/hang') }));
    assert.equal(hang.code, 'timeout');
    assert.match(hang.message, /timed out after 400 ms/);
    const drip = await failure(f.fetch({ url: s.url('/drip') }));
    assert.equal(drip.code, 'timeout');
    assert.ok(Date.now() - t0 < 10_000, 'bounded');
  } finally {
    await f.close();
    await s.close();
  }
});

test('size cap: endless body and oversized Content-Length fail with too_large, memory stays bounded', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const s = await serve((req, res) => {
    if (req.url === '/endless') {
      res.writeHead(200);
      const pump = () => {
        while (res.write(chunk)) { /* fill */ }
      };
      res.on('drain', pump);
      pump();
      return;
    }
    if (req.url === '/bomb') {
      // 50 MB of zeros, gzip-compressed to ~50 KB: the cap counts decompressed bytes.
      res.writeHead(200, { 'content-encoding': 'gzip' });
      return res.end(gzipSync(Buffer.alloc(50 * 1024 * 1024)));
    }
    res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
    res.write('partial');
  });
  const f = createFetcher({ ...POLICY, retries: 0, maxBytes: 256 * 1024 });
  try {
    const rss0 = process.memoryUsage().rss;
    for (const p of ['/endless', '/bomb', '/length']) {
      const e = await failure(f.fetch({ url: s.url(p) }));
      assert.equal(e.code, 'too_large', `${p}: ${e.message}`);
      assert.match(e.message, /larger than 262144/);
    }
    assert.ok(process.memoryUsage().rss - rss0 < 100 * 1024 * 1024, 'no body held beyond the cap');
  } finally {
    await f.close();
    await s.close();
  }
});

test('gzip, deflate and brotli are decoded; corrupt gzip is a clear error', async () => {
  const body = Buffer.from('<rss>压缩的内容</rss>');
  const s = await serve((req, res) => {
    if (req.url === '/gzip') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(body));
    if (req.url === '/br') return res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(body));
    res.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('definitely not gzip data'));
  });
  const f = createFetcher({ ...POLICY, retries: 0 });
  try {
    for (const p of ['/gzip', '/br']) {
      const out = await f.fetch({ url: s.url(p) });
      assert.equal(out.kind === 'fetched' && out.body.toString(), body.toString(), p);
    }
    const bad = await failure(f.fetch({ url: s.url('/corrupt') }));
    assert.equal(bad.code, 'bad_encoding');
    assert.match(bad.message, /corrupt compressed body/);
  } finally {
    await f.close();
    await s.close();
  }
});

test('conditional GET: ETag and Last-Modified are sent back; 304 is not-modified', async () => {
  const s = await serve((req, res) => {
    if (req.headers['if-none-match'] === '"v1"' || req.headers['if-modified-since'] === 'Wed, 07 Sep 2022 13:31:51 GMT') return res.writeHead(304).end();
    res.writeHead(200, req.url === '/etag' ? { etag: '"v1"' } : { 'last-modified': 'Wed, 07 Sep 2022 13:31:51 GMT' }).end('feed');
  });
  const f = createFetcher(POLICY);
  try {
    for (const p of ['/etag', '/lm']) {
      const first = await f.fetch({ url: s.url(p) });
      assert.equal(first.kind, 'fetched');
      const again = await f.fetch({ url: s.url(p), validators: first.validators });
      assert.equal(again.kind, 'not-modified', p);
    }
  } finally {
    await f.close();
    await s.close();
  }
});

test('redirects: a chain is followed, a loop is cut, another port is fine', async () => {
  const other = await serve((_req, res) => res.end('elsewhere'));
  const s = await serve((req, res) => {
    if (req.url === '/a') return res.writeHead(301, { location: '/b' }).end();
    if (req.url === '/b') return res.writeHead(302, { location: other.url('/final') }).end();
    res.writeHead(302, { location: '/loop' }).end();
  });
  const f = createFetcher(POLICY);
  try {
    const out = await f.fetch({ url: s.url('/a') });
    assert.equal(out.kind === 'fetched' && out.body.toString(), 'elsewhere');
    assert.equal(out.url, other.url('/final'));
    const loop = await failure(f.fetch({ url: s.url('/loop') }));
    assert.equal(loop.code, 'too_many_redirects');
  } finally {
    await f.close();
    await s.close();
    await other.close();
  }
});

test('concurrency: the per-host limit and the global limit hold', async () => {
  const s = await serve((_req, res) => setTimeout(() => res.end('x'), 100));
  const f = createFetcher({ ...POLICY, perHost: 2, concurrency: 8 });
  try {
    await Promise.all(Array.from({ length: 8 }, (_, i) => f.fetch({ url: s.url(`/p${i}`) })));
    assert.equal(s.maxOpen, 2);
  } finally {
    await f.close();
  }
  const g = createFetcher({ ...POLICY, perHost: 10, concurrency: 3 });
  try {
    await Promise.all(Array.from({ length: 9 }, (_, i) => g.fetch({ url: s.url(`/q${i}`) })));
    assert.equal(s.maxOpen, 3);
  } finally {
    await g.close();
    await s.close();
  }
});

test('untrusted URLs: literal private IPs, names resolving to loopback and redirects to them are refused', async () => {
  const target = await serve((_req, res) => res.end('internal secret'));
  const s = await serve((req, res) => {
    if (req.url === '/to-localhost') return res.writeHead(302, { location: `http://localhost:${target.port}/` }).end();
    res.end('public page');
  });
  const f = createFetcher({ ...POLICY, allowedPrivateHosts: ['127.0.0.1'] });
  const strict = createFetcher(POLICY);
  try {
    const literal = await failure(strict.fetch({ url: s.url('/'), untrusted: true }));
    assert.equal(literal.code, 'private_network');
    assert.match(literal.message, /127\.0\.0\.1 is a private or local address/);
    const named = await failure(strict.fetch({ url: `http://localhost:${target.port}/`, untrusted: true }));
    assert.equal(named.code, 'private_network');
    assert.match(named.message, /localhost resolves to/);
    const viaRedirect = await failure(f.fetch({ url: s.url('/to-localhost'), untrusted: true }));
    assert.equal(viaRedirect.code, 'private_network');
    assert.equal(target.hits, 0, 'the internal server was never reached');
    // Trusted (feed) requests and the allow switch reach loopback.
    assert.equal((await strict.fetch({ url: s.url('/') })).kind, 'fetched');
    const open = createFetcher({ ...POLICY, allowPrivateNetworks: true });
    assert.equal((await open.fetch({ url: `http://localhost:${target.port}/`, untrusted: true })).kind, 'fetched');
    await open.close();
    const bad = await failure(strict.fetch({ url: 'file:///etc/passwd', untrusted: true }));
    assert.equal(bad.code, 'bad_url');
  } finally {
    await f.close();
    await strict.close();
    await s.close();
    await target.close();
  }
});

test('private address classification', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::']) {
    assert.equal(isPrivateAddress(a), true, a);
  }
  for (const a of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
});
