/**
 * The website's search index: every article of the archive in one index that a reader queries without
 * downloading it. Terms (terms.ts) are hashed into buckets; a query fetches, per term, one small bucket file
 * per segment, then the document entries of the results it shows.
 *
 * Layout under <site>/search/:
 * - index.json: the segments (name, bucket bits), the number of document ids, deleted ids, chunk size;
 * - s<N>/<bucket hex>.bin: one segment's buckets (format: terms.ts parseBucket);
 * - docs/<k>.json: the entries [site name, date, title, url] of document ids k·100 … k·100+99 (0 when gone).
 *
 * Incremental, as in the logarithmic method: the articles added or changed since the last build become a new
 * small segment, and the newest segments are merged while the one before is under FACTOR times the size of the
 * last, so an hourly run rewrites only small segments (a big one only when the segments after it together
 * grow to its size/FACTOR) and a query meets a handful of segments (log base FACTOR of the archive). A changed
 * article gets a new id; its old id is listed as deleted until a merge drops it. Document ids grow with time
 * (a whole build numbers the articles by date), so the newest results are the highest ids.
 *
 * Memory stays bounded at any archive size: a whole build indexes BATCH articles at a time into temporary
 * segments, then merges them bucket by bucket into one; a merge holds one bucket of each input at a time.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeFilesAtomic } from '../archive/index.js';
import { foldText } from './fold.js';
import { parseBucket, termBucket, textRuns } from './terms.js';

/** What the index is built from (a RenderArticle is one). */
export interface SearchArticle {
  id: number;
  site: string;
  path: string;
  title: string;
  published: number;
  contentHash: string;
}

export interface SearchSource {
  sites: { name: string; abbr: string }[];
  /** Every article of a site (any order). */
  articles(siteAbbr: string): SearchArticle[];
  /** The article itself among its neighbours (k = 0: just it), or [] when it is not (or no longer) there. */
  around(siteAbbr: string, id: number, k: number): SearchArticle[];
  /** Body HTML of an article by its archive-relative path. */
  body(path: string): string;
}

export interface SearchIndexOptions {
  archive: string;
  siteDir: string;
  tzOffsetMinutes: number;
  /** Articles written or changed since the last build, or null: build the whole index again. */
  changes: { site: string; id: number }[] | null;
  /** A result's link, relative to the site root (default `<site>/<id>.html`). */
  href?: (a: SearchArticle) => string;
  /** Articles whose link changed (their page came or went) without a change of content: their entries are rewritten. */
  relink?: { site: string; id: number }[];
  /** Articles indexed in memory at a time (1,000). */
  batch?: number;
  /** Target bucket file size in bytes (8 KB): a query pays about this much per term and segment. */
  bucketBytes?: number;
}

export interface SearchIndexReport {
  rebuilt: boolean;
  /** Articles indexed in this build (new or changed). */
  indexed: number;
  /** Ids marked deleted in this build. */
  deleted: number;
  segments: number;
  /** Articles the index holds. */
  live: number;
  /** Files written (changed bytes). */
  written: number;
  /** Bytes of the index on disk (segments + entries + index.json). */
  bytes: number;
}

const VERSION = 1;
const FACTOR = 8;
const CHUNK = 100;
const MAX_BITS = 16;

interface Segment {
  name: string;
  bits: number;
  /** Ids in [lo, hi). */
  lo: number;
  hi: number;
  docs: number;
  bytes: number;
}

interface Manifest {
  version: number;
  tz: number;
  nextDoc: number;
  nextSeg: number;
  segments: Segment[];
  deleted: number[];
  /** "site/id" → [doc id, content hash prefix]. */
  docs: Record<string, [number, string]>;
  chunkBytes: Record<string, number>;
}

type Entry = [string, string, string, string] | 0;

function dateOf(ms: number, tz: number): string {
  return new Date(ms + tz * 60_000).toISOString().slice(0, 10);
}

function bodyText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:#(\d+)|#x([0-9a-f]+)|amp|lt|gt|quot|nbsp);/gi, (m, d: string, x: string) =>
      d ? String.fromCodePoint(Number(d)) : x ? String.fromCodePoint(parseInt(x, 16)) : ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&nbsp;': ' ' } as Record<string, string>)[m.toLowerCase()] ?? ' ',
    );
}

/** The distinct terms of one article: bigrams and words of title and body, and the title's characters. */
export function articleTerms(title: string, text: string): Set<string> {
  const out = new Set<string>();
  eachTerm(
    title,
    text,
    (t) => out.add(t),
    (run, i) => out.add(run.slice(i, i + 2)),
  );
  return out;
}

const HAN = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

/**
 * Every term of one article, in order, repeats included: words and title characters to `term`, each bigram as
 * its run and offset to `pair` (the builder looks most up without making a string of them).
 */
function eachTerm(title: string, text: string, term: (t: string) => void, pair: (run: string, i: number) => void): void {
  const t = foldText(title);
  for (const part of [t, foldText(text)]) {
    for (const run of textRuns(part)) {
      if (HAN.test(run)) for (let i = 0; i + 1 < run.length; i++) pair(run, i);
      else term(run.slice(0, 40));
    }
  }
  for (const c of t.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g) ?? []) term('#' + c);
}

function varintSize(x: number): number {
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 128);
    n++;
  }
  return n;
}

function putVarint(buf: Buffer, at: number, x: number): number {
  while (x >= 0x80) {
    buf[at++] = (x % 128) | 0x80;
    x = Math.floor(x / 128);
  }
  buf[at++] = x;
  return at;
}

/**
 * One bucket file from its terms (sorted, for deterministic bytes), written straight into one buffer: a buffer
 * per term's postings made a full build's RSS twice its heap (hundreds of thousands of small allocations).
 */
function encodeBucket(terms: [string, number[]][]): Buffer {
  terms.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const lens = terms.map(([, ids]) => {
    let n = 0;
    for (let k = 0; k < ids.length; k++) n += varintSize(k === 0 ? ids[0]! : ids[k]! - ids[k - 1]! - 1);
    return n;
  });
  let size = varintSize(terms.length);
  terms.forEach(([term, ids], i) => {
    const tl = Buffer.byteLength(term);
    size += varintSize(tl) + tl + varintSize(ids.length) + varintSize(lens[i]!) + lens[i]!;
  });
  const buf = Buffer.alloc(size);
  let at = putVarint(buf, 0, terms.length);
  terms.forEach(([term, ids], i) => {
    const tl = Buffer.byteLength(term);
    at = putVarint(buf, at, tl);
    at += buf.write(term, at);
    at = putVarint(buf, at, ids.length);
    at = putVarint(buf, at, lens[i]!);
  });
  for (const [, ids] of terms) for (let k = 0; k < ids.length; k++) at = putVarint(buf, at, k === 0 ? ids[0]! : ids[k]! - ids[k - 1]! - 1);
  return buf;
}

function bitsFor(bytes: number, bucketBytes: number): number {
  return Math.min(MAX_BITS, Math.max(0, Math.ceil(Math.log2(Math.max(1, bytes / bucketBytes)))));
}

const decoder = new TextDecoder();
const decode = (b: Uint8Array) => decoder.decode(b);
const bucketFile = (dir: string, b: number) => path.join(dir, `${b.toString(16)}.bin`);

/**
 * Terms → ids of one batch of articles, the postings kept as linked lists in a few typed arrays: a number[]
 * per term (hundreds of thousands per batch, each grown by copying) was most of a whole build's allocation, and
 * its scavenges most of its garbage-collection time.
 */
class Postings {
  readonly terms: string[] = [];
  private index = new Map<string, number>();
  private pairs = new Map<number, number>();
  /** Per term: first and last posting, last id added, posting count. */
  private first = new Int32Array(1 << 16);
  private last = new Int32Array(1 << 16);
  private lastId = new Int32Array(1 << 16);
  count = new Int32Array(1 << 16);
  /** Per posting: its id and the next posting of its term (-1: none). */
  private id = new Int32Array(1 << 18);
  private next = new Int32Array(1 << 18);
  private n = 0;

  /** Empty again, for the next batch (the arrays are kept: allocated once per build, not once per batch). */
  clear(): void {
    this.terms.length = 0;
    this.index.clear();
    this.pairs.clear();
    this.n = 0;
  }

  get size(): number {
    return this.n;
  }

  /** The bigram run[i] run[i + 1]: keyed by its two code units when the first is below U+A000 (a small integer). */
  addPair(run: string, i: number, id: number): void {
    const c = run.charCodeAt(i);
    if (c > 0x9fff) return this.add(run.slice(i, i + 2), id);
    const key = (c - 0x3400) * 0x10000 + run.charCodeAt(i + 1);
    let k = this.pairs.get(key);
    if (k === undefined) this.pairs.set(key, (k = this.newTerm(run.slice(i, i + 2), id)));
    else this.addId(k, id);
  }

  add(term: string, id: number): void {
    const k = this.index.get(term);
    if (k === undefined) this.index.set(term, this.newTerm(term, id));
    else this.addId(k, id);
  }

  private newTerm(term: string, id: number): number {
    const k = this.terms.length;
    this.terms.push(term);
    if (k === this.first.length) for (const f of ['first', 'last', 'lastId', 'count'] as const) this[f] = grow(this[f]);
    this.first[k] = this.last[k] = this.push(id);
    this.count[k] = 1;
    this.lastId[k] = id;
    return k;
  }

  private addId(k: number, id: number): void {
    if (this.lastId[k] === id) return;
    const p = this.push(id);
    this.next[this.last[k]!] = p;
    this.last[k] = p;
    this.count[k]!++;
    this.lastId[k] = id;
  }

  private push(id: number): number {
    if (this.n === this.id.length) {
      this.id = grow(this.id);
      this.next = grow(this.next);
    }
    this.id[this.n] = id;
    this.next[this.n] = -1;
    return this.n++;
  }

  /** The ids of term k, ascending (as added). */
  ids(k: number): number[] {
    const out: number[] = new Array(this.count[k]!);
    for (let p = this.first[k]!, i = 0; p !== -1; p = this.next[p]!) out[i++] = this.id[p]!;
    return out;
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** A batch's postings, written as a segment of `bits` chosen by its size. */
async function writeBatch(postings: Postings, dir: string, bucketBytes: number, atomic: boolean): Promise<{ bits: number; bytes: number; written: number }> {
  const { terms, count } = postings;
  let estimate = 0;
  for (let k = 0; k < terms.length; k++) estimate += terms[k]!.length * 3 + 4 + count[k]! * 1.5;
  const bits = bitsFor(estimate, bucketBytes);
  const buckets: number[][] = Array.from({ length: 2 ** bits }, () => []);
  for (let k = 0; k < terms.length; k++) buckets[termBucket(terms[k]!, bits)]!.push(k);
  const out = new Writer(dir, atomic);
  for (let b = 0; b < buckets.length; b++) {
    await out.put(b, encodeBucket(buckets[b]!.map((k) => [terms[k]!, postings.ids(k)])));
    buckets[b] = [];
  }
  await out.end();
  return { bits, bytes: out.bytes, written: out.written };
}

/** Bucket files into one folder: atomic writes in batches (the site), or plain ones (temporary segments). */
class Writer {
  bytes = 0;
  written = 0;
  private queue: { file: string; data: Buffer }[] = [];
  constructor(
    private dir: string,
    private atomic: boolean,
  ) {
    mkdirSync(dir, { recursive: true });
  }
  private count = 0;
  async put(b: number, data: Buffer) {
    this.bytes += data.length;
    this.count = Math.max(this.count, b + 1);
    if (!this.atomic) {
      writeFileSync(bucketFile(this.dir, b), data);
      return;
    }
    this.queue.push({ file: bucketFile(this.dir, b), data });
    if (this.queue.length >= 256) await this.flush();
  }
  private async flush() {
    this.written += (await writeFilesAtomic(this.queue)).filter(Boolean).length;
    this.queue = [];
  }
  /** Flush, and remove bucket files beyond the last (a folder reused by a whole build with fewer buckets). */
  async end() {
    await this.flush();
    for (const f of readdirSync(this.dir)) {
      const b = /^([0-9a-f]+)\.bin$/.exec(f);
      if (b && parseInt(b[1]!, 16) >= this.count) rmSync(path.join(this.dir, f), { force: true });
    }
  }
}

/**
 * Merge segments (consecutive, oldest first: their ids ascend from one to the next) into one, bucket by bucket,
 * leaving out deleted ids. Output buckets are read in order, so each input bucket is read once.
 */
async function mergeSegments(inputs: { dir: string; bits: number; bytes: number }[], deleted: Set<number>, outDir: string, bucketBytes: number): Promise<{ bits: number; bytes: number; written: number }> {
  const total = inputs.reduce((n, s) => n + s.bytes, 0);
  const bits = Math.max(bitsFor(total, bucketBytes), ...inputs.map((s) => s.bits));
  // Each input bucket read is grouped by output bucket once (hashing every term of it for every output
  // bucket it spans made a 100k build take 11 minutes).
  const cache = inputs.map(() => ({ b: -1, groups: new Map<number, [string, number[]][]>() }));
  const out = new Writer(outDir, true);
  for (let b = 0; b < 2 ** bits; b++) {
    const merged = new Map<string, number[]>();
    inputs.forEach((seg, i) => {
      const ib = b >>> (bits - seg.bits);
      const c = cache[i]!;
      if (c.b !== ib) {
        c.b = ib;
        c.groups = new Map();
        const terms = parseBucket(readFileSync(bucketFile(seg.dir, ib)), decode);
        for (const term in terms) {
          const ob = termBucket(term, bits);
          const g = c.groups.get(ob);
          if (g) g.push([term, terms[term]!]);
          else c.groups.set(ob, [[term, terms[term]!]]);
        }
      }
      for (const [term, ids] of c.groups.get(b) ?? []) {
        const keep = deleted.size ? ids.filter((id) => !deleted.has(id)) : ids;
        if (keep.length === 0) continue;
        const prev = merged.get(term);
        if (prev) for (const id of keep) prev.push(id);
        else merged.set(term, keep.slice());
      }
    });
    await out.put(b, encodeBucket([...merged]));
  }
  await out.end();
  return { bits, bytes: out.bytes, written: out.written };
}

function loadManifest(file: string, tz: number): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.version === VERSION && m.tz === tz && Array.isArray(m.segments) && m.docs && typeof m.docs === 'object') return m;
  } catch {
    /* never built, or unreadable: build the whole index */
  }
  return null;
}

function lean(a: SearchArticle): SearchArticle {
  return { id: a.id, site: a.site, path: a.path, title: a.title, published: a.published, contentHash: a.contentHash.slice(0, 12) };
}

/** Build the search index into <siteDir>/search: the whole of it, or only what `changes` touch. */
export async function updateSearchIndex(src: SearchSource, opts: SearchIndexOptions): Promise<SearchIndexReport> {
  const tz = opts.tzOffsetMinutes;
  const batch = opts.batch ?? 1000;
  const bucketBytes = opts.bucketBytes ?? 8192;
  const root = path.join(opts.siteDir, 'search');
  const manifestFile = path.join(opts.archive, '.newsmirror', 'search-manifest.json');
  const siteName = new Map(src.sites.map((s) => [s.abbr, s.name]));
  const href = opts.href ?? ((a: SearchArticle) => `${a.site}/${a.id}.html`);
  mkdirSync(root, { recursive: true });
  let m = opts.changes === null ? null : loadManifest(manifestFile, tz);
  // A segment or the index file gone from the site (wiped, or edited by hand): build everything again.
  if (m && (!existsSync(path.join(root, 'index.json')) || m.segments.some((s) => !existsSync(path.join(root, s.name))))) m = null;
  const rebuilt = m === null;
  if (!m) m = { version: VERSION, tz, nextDoc: 0, nextSeg: 0, segments: [], deleted: [], docs: {}, chunkBytes: {} };
  let written = 0;

  // The articles to index now, with their new ids.
  let todo: SearchArticle[];
  const deletedNow: number[] = [];
  if (rebuilt) {
    // Only what the index needs of each article is kept (a listing carries its link and full hash too: at 100k
    // articles that was a tenth of the build's peak).
    todo = src.sites
      .flatMap((s) => src.articles(s.abbr).map(lean))
      .sort((x, y) => x.published - y.published || (x.site < y.site ? -1 : x.site > y.site ? 1 : x.id - y.id));
  } else {
    todo = [];
    const seen = new Set<string>();
    for (const c of opts.changes!) {
      const key = `${c.site}/${c.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const a = siteName.has(c.site) ? src.around(c.site, c.id, 0).find((x) => x.id === c.id) : undefined;
      const had = m.docs[key];
      if (a && had && had[1] === a.contentHash.slice(0, 12)) continue;
      if (had) {
        deletedNow.push(had[0]);
        delete m.docs[key];
      }
      if (a) todo.push(lean(a));
    }
    todo.sort((x, y) => x.published - y.published || (x.site < y.site ? -1 : x.site > y.site ? 1 : x.id - y.id));
  }
  const firstNew = m.nextDoc;
  for (const a of todo) m.docs[`${a.site}/${a.id}`] = [m.nextDoc++, a.contentHash.slice(0, 12)];
  // Entries to rewrite in place (same id, same postings): articles whose link changed.
  const relinked = new Map<number, SearchArticle>();
  for (const r of rebuilt ? [] : (opts.relink ?? [])) {
    const doc = m.docs[`${r.site}/${r.id}`];
    const a = doc && doc[0] < firstNew ? src.around(r.site, r.id, 0).find((x) => x.id === r.id) : undefined;
    if (a) relinked.set(doc![0], a);
  }

  // Entries: the chunks holding the new and the deleted ids, 100 chunks at a time (held all at once, the
  // entries of a 100k build were a fifth of its peak memory).
  const touched = new Set<number>([...deletedNow, ...relinked.keys()].map((id) => Math.floor(id / CHUNK)));
  for (let k = Math.floor(firstNew / CHUNK); k * CHUNK < m.nextDoc; k++) touched.add(k);
  const gone = new Set(deletedNow);
  const ks = [...touched].sort((x, y) => x - y);
  for (let g = 0; g < ks.length; g += 100) {
    const files = ks.slice(g, g + 100).map((k) => {
      let c: Entry[] = [];
      if (!rebuilt) {
        try {
          c = JSON.parse(readFileSync(path.join(root, 'docs', `${k}.json`), 'utf8')) as Entry[];
        } catch {
          c = [];
        }
      }
      for (let id = Math.max(k * CHUNK, firstNew); id < Math.min((k + 1) * CHUNK, m.nextDoc); id++) {
        const a = todo[id - firstNew]!;
        c[id % CHUNK] = [siteName.get(a.site) ?? a.site, dateOf(a.published, tz), a.title, href(a)];
      }
      for (let id = k * CHUNK; id < (k + 1) * CHUNK; id++) {
        const a = relinked.get(id);
        if (a) c[id % CHUNK] = [siteName.get(a.site) ?? a.site, dateOf(a.published, tz), a.title, href(a)];
      }
      for (let id = k * CHUNK; id < (k + 1) * CHUNK; id++) if (gone.has(id)) c[id % CHUNK] = 0;
      const data = JSON.stringify(Array.from(c, (e) => e ?? 0));
      m.chunkBytes[String(k)] = Buffer.byteLength(data);
      return { file: path.join(root, 'docs', `${k}.json`), data };
    });
    written += (await writeFilesAtomic(files)).filter(Boolean).length;
  }

  // Postings: batches of `batch` articles, each a segment (temporary when more than one is merged at once).
  const deleted = new Set([...m.deleted, ...deletedNow]);
  const tmp = path.join(opts.archive, '.newsmirror', 'search-tmp');
  rmSync(tmp, { recursive: true, force: true });
  const parts: Segment[] = [];
  const many = todo.length > batch;
  const postings = new Postings();
  for (let start = 0; start < todo.length; start += batch) {
    postings.clear();
    const slice = todo.slice(start, start + batch);
    slice.forEach((a, i) => {
      const id = firstNew + start + i;
      eachTerm(
        a.title,
        bodyText(src.body(a.path)),
        (t) => postings.add(t, id),
        (run, j) => postings.addPair(run, j, id),
      );
    });
    // A whole build is deterministic (s0, or temporary parts merged into s0): built again over the same
    // archive, it writes no byte.
    const name = many ? `t${parts.length}` : `s${m.nextSeg++}`;
    const dir = many ? path.join(tmp, name) : path.join(root, name);
    const r = await writeBatch(postings, dir, bucketBytes, !many);
    written += r.written;
    parts.push({ name, bits: r.bits, lo: firstNew + start, hi: firstNew + start + slice.length, docs: slice.length, bytes: r.bytes });
    await new Promise((res) => setImmediate(res));
  }
  if (many) {
    const name = `s${m.nextSeg++}`;
    const r = await mergeSegments(parts.map((p) => ({ dir: path.join(tmp, p.name), bits: p.bits, bytes: p.bytes })), deleted, path.join(root, name), bucketBytes);
    written += r.written;
    m.segments.push({ name, bits: r.bits, lo: parts[0]!.lo, hi: parts[parts.length - 1]!.hi, docs: todo.length, bytes: r.bytes });
    rmSync(tmp, { recursive: true, force: true });
  } else m.segments.push(...parts);

  // Merge the newest segments while the one before the last is under FACTOR times the last.
  const live = (s: Segment) => s.docs;
  let k = m.segments.length - 1;
  while (k > 0 && live(m.segments[k - 1]!) < FACTOR * live(m.segments[k]!)) {
    const a = m.segments[k - 1]!;
    const b = m.segments[k]!;
    const name = `s${m.nextSeg++}`;
    const r = await mergeSegments([a, b].map((s) => ({ dir: path.join(root, s.name), bits: s.bits, bytes: s.bytes })), deleted, path.join(root, name), bucketBytes);
    written += r.written;
    const dropped = [...deleted].filter((id) => id >= a.lo && id < b.hi);
    for (const id of dropped) deleted.delete(id);
    m.segments.splice(k - 1, 2, { name, bits: r.bits, lo: a.lo, hi: b.hi, docs: a.docs + b.docs - dropped.length, bytes: r.bytes });
    k--;
  }
  m.deleted = [...deleted].sort((x, y) => x - y);

  const index = {
    version: VERSION,
    docs: m.nextDoc,
    live: Object.keys(m.docs).length,
    chunk: CHUNK,
    segments: m.segments.map((s) => ({ name: s.name, bits: s.bits })),
    deleted: m.deleted,
  };
  const indexJson = JSON.stringify(index);
  if (await writeFileAtomic(path.join(root, 'index.json'), indexJson)) written++;
  // Segments no longer listed, and entries beyond the last id (a smaller archive built again), are removed.
  const keep = new Set(m.segments.map((s) => s.name));
  for (const d of readdirSync(root, { withFileTypes: true })) if (d.isDirectory() && /^s\d+$/.test(d.name) && !keep.has(d.name)) rmSync(path.join(root, d.name), { recursive: true, force: true });
  // The per-month MiniSearch parts that sites rendered before this index (months.json, YYYY-MM[.N].json).
  for (const f of readdirSync(root)) if (/^(months|\d{4}-\d{2}(\.\d+)?)\.json$/.test(f)) rmSync(path.join(root, f), { force: true });
  const lastChunk = Math.ceil(m.nextDoc / CHUNK);
  for (const f of existsSync(path.join(root, 'docs')) ? readdirSync(path.join(root, 'docs')) : []) {
    const n = Number(f.replace(/\.json$/, ''));
    if (/^\d+\.json$/.test(f) && n >= lastChunk) {
      rmSync(path.join(root, 'docs', f), { force: true });
      delete m.chunkBytes[String(n)];
    }
  }
  await writeFileAtomic(manifestFile, JSON.stringify(m));
  const bytes = m.segments.reduce((n, s) => n + s.bytes, 0) + Object.values(m.chunkBytes).reduce((n, x) => n + x, 0) + Buffer.byteLength(indexJson);
  return { rebuilt, indexed: todo.length, deleted: deletedNow.length, segments: m.segments.length, live: index.live, written, bytes };
}
