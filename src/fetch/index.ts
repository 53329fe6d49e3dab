/**
 * Fetch stage: the one HTTP client of a run. Policy in (limits, timeouts, retries, validators) and policy out
 * (status mapping, Retry-After, size cap, decompression) live here and nowhere else.
 *
 * - Global and per-host concurrency limits bound the load on us and on every site.
 * - Redirects are followed by hand so that every hop is re-checked by the private-network guard.
 * - Bodies are streamed and decompressed with a byte cap counted after decompression, so a 2 GB or endless
 *   response costs at most the cap in memory.
 * - Links found in feeds are untrusted: their requests refuse loopback/private/link-local/multicast
 *   addresses, checked on the address actually connected to (a custom DNS lookup in the connector), so a
 *   hostname that resolves to 127.0.0.1 is refused without a rebinding gap.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, request, type Dispatcher } from 'undici';
import { NewsmirrorError, isNewsmirrorError } from '../errors.js';
import type { FetchOutcome, FetchPolicy, FetchRequest, Fetcher, Validators } from '../types.js';

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses a link from a feed must not reach: loopback, private, link-local, multicast … */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return false;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses private addresses: the connector connects only to what this returns. */
function guardedLookup(hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const e = new NewsmirrorError('private_network', `${hostname} resolves to ${bad.address}, a private or local address`) as unknown as NodeJS.ErrnoException;
      return callback(e, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0]!;
    callback(null, first.address, first.family);
  });
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = {
  concurrency: 8,
  perHost: 2,
  connectTimeoutMs: 10_000,
  timeoutMs: 30_000,
  maxBytes: 20 * 1024 * 1024,
  maxRedirects: 5,
  retries: 2,
  retryBaseMs: 500,
  maxRetryAfterMs: 60_000,
  userAgent: 'newsmirror/0.1 (feed mirror for readers behind censorship)',
  allowPrivateNetworks: false,
  allowedPrivateHosts: [],
};

const DEFAULT_ACCEPT = 'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';

/** A failure worth another attempt (network trouble, timeouts, 5xx, 429), with the server's wish for a delay. */
class Retryable extends Error {
  constructor(
    readonly error: NewsmirrorError,
    readonly retryAfterMs: number | null,
  ) {
    super(error.message);
  }
}

function parseRetryAfter(v: string | string[] | undefined): number | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000;
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : null;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = h[name];
  return Array.isArray(v) ? v[0] ?? null : v ?? null;
}

/** Map whatever undici, zlib or the abort signal threw to one stable error naming the URL. */
function mapError(err: unknown, url: string, timeoutMs: number, timedOut: boolean): NewsmirrorError {
  if (isNewsmirrorError(err)) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown };
  const cause = e?.cause as { code?: string } | undefined;
  if (isNewsmirrorError(e?.cause)) return new NewsmirrorError(e.cause.code, `GET ${url}: ${e.cause.message}`);
  if (timedOut || e?.name === 'TimeoutError' || /Timeout/.test(e?.code ?? '') || /Timeout/.test(e?.name ?? '')) {
    return new NewsmirrorError('timeout', `GET ${url}: timed out after ${timeoutMs} ms`);
  }
  const code = e?.code ?? cause?.code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_PADDING_1' || /^ERR__?[A-Z_]*BROTLI|Z_/.test(code ?? '')) {
    return new NewsmirrorError('bad_encoding', `GET ${url}: corrupt compressed body (${code})`);
  }
  const message = (e?.message ?? String(err)).split('\n')[0]!;
  // Node's own messages often name the code already ("getaddrinfo ENOTFOUND host"): say it once.
  return new NewsmirrorError('network', `GET ${url}: ${code && !message.includes(code) ? `${code} ` : ''}${message}`);
}

async function readCapped(body: Readable, encoding: string | null, maxBytes: number, url: string): Promise<Buffer> {
  let stream: Readable | Transform = body;
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') stream = body.pipe(createGunzip());
  else if (enc === 'br') stream = body.pipe(createBrotliDecompress());
  else if (enc === 'deflate') stream = body.pipe(createInflate());
  if (stream !== body) body.on('error', (err) => (stream as Transform).destroy(err));
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw new NewsmirrorError('too_large', `GET ${url}: body larger than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
  } finally {
    if (total > maxBytes || !stream.readableEnded) {
      stream.destroy();
      body.destroy();
    }
  }
  return Buffer.concat(chunks, total);
}

/** Create the HTTP client of a run; see the module comment for what it guarantees. */
export function createFetcher(policy: FetchPolicy): Fetcher {
  const agentOptions = {
    connect: { timeout: policy.connectTimeoutMs },
    headersTimeout: policy.timeoutMs,
    bodyTimeout: policy.timeoutMs,
    maxRedirections: 0,
  };
  const trusted = new Agent(agentOptions);
  const guarded = new Agent({ ...agentOptions, connect: { ...agentOptions.connect, lookup: guardedLookup as never } });
  const global = pLimit(policy.concurrency);
  const hosts = new Map<string, LimitFunction>();
  const hostLimit = (host: string) => {
    let l = hosts.get(host);
    if (!l) hosts.set(host, (l = pLimit(policy.perHost)));
    return l;
  };

  /** One request, no retries: redirects followed, status mapped, body read under the cap. */
  async function attempt(req: FetchRequest, validators: Validators | null): Promise<FetchOutcome> {
    let url = req.url;
    const maxBytes = req.maxBytes ?? policy.maxBytes;
    for (let hop = 0; ; hop++) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new NewsmirrorError('bad_url', `GET ${url}: not a valid URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new NewsmirrorError('bad_url', `GET ${url}: only http and https URLs are fetched`);
      const guard = req.untrusted === true && !policy.allowPrivateNetworks && !policy.allowedPrivateHosts.includes(u.hostname);
      const literal = u.hostname.replace(/^\[|\]$/g, '');
      if (guard && isIP(literal) && isPrivateAddress(literal)) {
        throw new NewsmirrorError('private_network', `GET ${url}: ${literal} is a private or local address (set allowPrivateNetworks to allow)`);
      }
      const headers: Record<string, string> = {
        'user-agent': policy.userAgent,
        accept: req.accept ?? DEFAULT_ACCEPT,
        'accept-encoding': 'gzip, deflate, br',
      };
      if (hop === 0 && validators?.etag) headers['if-none-match'] = validators.etag;
      if (hop === 0 && validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
      const timeout = AbortSignal.timeout(policy.timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      let res: Dispatcher.ResponseData;
      try {
        res = await hostLimit(u.host)(() =>
          global(() => request(u, { method: 'GET', headers, signal, dispatcher: guard ? guarded : trusted })),
        );
      } catch (err) {
        const mapped = mapError(err, url, policy.timeoutMs, timeout.aborted);
        if (mapped.code === 'private_network' || mapped.code === 'bad_url') throw mapped;
        throw new Retryable(mapped, null);
      }
      const status = res.statusCode;
      if ([301, 302, 303, 307, 308].includes(status)) {
        await res.body.dump().catch(() => {});
        const loc = header(res.headers, 'location');
        if (!loc) throw new NewsmirrorError('http_status', `GET ${url}: HTTP ${status} without a Location`, { status });
        if (hop >= policy.maxRedirects) throw new NewsmirrorError('too_many_redirects', `GET ${req.url}: more than ${policy.maxRedirects} redirects`);
        url = new URL(loc, url).href;
        continue;
      }
      if (status === 304) {
        await res.body.dump().catch(() => {});
        return { kind: 'not-modified', url, validators: validators ?? { etag: null, lastModified: null } };
      }
      if (status < 200 || status >= 300) {
        await res.body.dump().catch(() => {});
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        if (status === 429) throw new Retryable(new NewsmirrorError('http_429', `GET ${url}: HTTP 429 Too Many Requests`, { status }), retryAfter);
        const err = new NewsmirrorError('http_status', `GET ${url}: HTTP ${status}`, { status });
        if (status >= 500) throw new Retryable(err, retryAfter);
        throw err;
      }
      const length = Number(header(res.headers, 'content-length'));
      if (Number.isFinite(length) && length > maxBytes && !header(res.headers, 'content-encoding')) {
        res.body.destroy();
        throw new NewsmirrorError('too_large', `GET ${url}: body of ${length} bytes is larger than ${maxBytes}`);
      }
      let body: Buffer;
      try {
        body = await readCapped(res.body as unknown as Readable, header(res.headers, 'content-encoding'), maxBytes, url);
      } catch (err) {
        const mapped = mapError(err, url, policy.timeoutMs, timeout.aborted);
        if (mapped.code === 'too_large' || mapped.code === 'bad_encoding') throw mapped;
        throw new Retryable(mapped, null);
      }
      return {
        kind: 'fetched',
        url,
        status,
        contentType: header(res.headers, 'content-type'),
        body,
        validators: { etag: header(res.headers, 'etag'), lastModified: header(res.headers, 'last-modified') },
      };
    }
  }

  return {
    async fetch(req: FetchRequest): Promise<FetchOutcome> {
      const validators = req.validators ?? null;
      const attempts = policy.retries + 1;
      for (let i = 1; ; i++) {
        try {
          return await attempt(req, validators);
        } catch (err) {
          if (!(err instanceof Retryable)) throw err;
          const { error, retryAfterMs } = err;
          if (retryAfterMs !== null && retryAfterMs > policy.maxRetryAfterMs) {
            throw new NewsmirrorError(error.code, `${error.message} (Retry-After ${Math.round(retryAfterMs / 1000)} s is longer than we wait)`, { status: error.status ?? undefined });
          }
          if (i >= attempts || req.signal?.aborted) {
            throw new NewsmirrorError(error.code, attempts > 1 ? `${error.message} after ${i} attempts` : error.message, { status: error.status ?? undefined });
          }
          // Exponential backoff with full jitter, or what the server asked for if it said.
          const backoff = policy.retryBaseMs * 2 ** (i - 1) * (0.5 + Math.random());
          await sleep(retryAfterMs ?? backoff);
        }
      }
    },
    async close() {
      await Promise.all([trusted.close(), guarded.close()]);
    },
  };
}
