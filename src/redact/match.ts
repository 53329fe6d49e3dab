/**
 * Finding redacted text without knowing it. A rule stores only a salted SHA-256 of its text (so the text it
 * removes is not written back into the archive by the rule itself) and the text's length; a string is searched
 * by hashing each of its windows of that length. Text is compared folded, one code point for one: Traditional
 * to Simplified (opencc-js, character by character), NFKC, lower case. So a rule written in either script
 * matches both, as the website's search (which folds Traditional to Simplified) would find both. Invisible
 * characters (zero-width spaces, soft hyphens, bidi marks) inside a name do not hide it: they are skipped.
 */
import { createHash, type Hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { decodeHTML } from 'entities';

type Convert = (s: string) => string;
let t2s: Convert | null = null;

/** opencc-js's Traditional → Simplified converter, loaded only when an archive has rules. */
function converter(): Convert {
  if (!t2s) {
    const require = createRequire(import.meta.url);
    // The UMD build of the t2cn subset: synchronous to load (~10 ms), and no Simplified → Traditional tables.
    const OpenCC = require('opencc-js/t2cn') as { Converter(o: { from: string; to: string }): Convert };
    t2s = OpenCC.Converter({ from: 't', to: 'cn' });
  }
  return t2s;
}

const IGNORABLE = /^[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]$/;
const folded = new Map<string, string>();

/** One code point folded to one code point (or '' for an invisible one); anything that would become more stays. */
export function foldChar(ch: string): string {
  let f = folded.get(ch);
  if (f !== undefined) return f;
  if (IGNORABLE.test(ch)) f = '';
  else {
    f = ch;
    for (const step of [(s: string) => converter()(s), (s: string) => s.normalize('NFKC'), (s: string) => s.toLowerCase()]) {
      const next = step(f);
      if ([...next].length === 1) f = next;
    }
  }
  folded.set(ch, f);
  return f;
}

/** The folded form of `s` (what a rule's hash is taken of). */
export function fold(s: string): string {
  let out = '';
  for (const ch of s) out += foldChar(ch);
  return out;
}

/** What a rule needs to be found: its hash, its folded length in code points, what replaces it. */
export interface Needle {
  hash: string;
  length: number;
  replace: string;
  /**
   * Salted 6-bit buckets of its first and last folded characters (`hintOf`), or undefined. Only windows whose
   * ends fall in the same buckets are hashed (1 in 4,096): without it a run spent ~5 ms per article per rule
   * length hashing every window (measured, bench/redact.mjs). 12 bits of buckets say next to nothing about a
   * text whose hash already lets anyone holding a guess confirm it.
   */
  hint?: number;
}

/** A set of needles under one salt; `find` returns the spans to replace, left to right, longest first. */
export class Matcher {
  private readonly base: Hash;
  /** Needles by length, longest first; each a map from hash to replacement, and the hints of that length (null: any window). */
  private readonly byLength: [number, Map<string, string>, Set<number> | null][];
  private readonly salt: string;
  private readonly buckets = new Map<string, number>();
  /** Bucket of each raw code point seen (-1: invisible), so a body is bucketed in one pass of lookups. */
  private readonly charBuckets = new Map<string, number>();
  private readonly bmpBuckets = new Int8Array(65536).fill(-2);
  /** Buckets a needle's first character can fall in (all, when a needle has no hint). */
  private readonly firsts = new Uint8Array(64);

  /** The needles' folded texts, when known: then spans are found by plain search, not by hashing windows. */
  private readonly known: { text: string; folded: string; length: number; replace: string }[] | null;

  constructor(salt: string, needles: Needle[], texts?: { text: string; replace: string }[]) {
    this.base = createHash('sha256').update(salt, 'utf8');
    this.salt = salt;
    this.known = texts
      ? texts.map((t) => {
          const folded = fold(t.text);
          return { text: t.text, folded, length: [...folded].length, replace: t.replace };
        })
      : null;
    const m = new Map<number, [Map<string, string>, Set<number> | null]>();
    for (const n of needles) {
      if (n.length <= 0) continue;
      let entry = m.get(n.length);
      if (!entry) m.set(n.length, (entry = [new Map(), new Set()]));
      entry[0].set(n.hash, n.replace);
      // One needle of this length without a hint: every window of the length is hashed.
      if (n.hint === undefined) entry[1] = null;
      else entry[1]?.add(n.hint);
    }
    for (const n of needles) for (let b = 0; b < 64; b++) if (n.hint === undefined || n.hint >> 6 === b) this.firsts[b] = 1;
    this.byLength = [...m].map(([len, [byHash, hints]]) => [len, byHash, hints] as [number, Map<string, string>, Set<number> | null]).sort((a, b) => b[0] - a[0]);
  }

  get empty(): boolean {
    return this.known ? this.known.length === 0 : this.byLength.length === 0;
  }

  /** The known texts, as given and folded (for byte searches of binary files). */
  knownTexts(): string[] {
    return [...new Set((this.known ?? []).flatMap((k) => [k.text, k.folded]))];
  }

  /** The salted bucket (0–63) of one folded character. */
  private bucket(ch: string): number {
    let b = this.buckets.get(ch);
    if (b === undefined) {
      b = createHash('sha256').update(`${this.salt}\u0000hint\u0000${ch}`, 'utf8').digest()[0]! & 63;
      this.buckets.set(ch, b);
    }
    return b;
  }

  /** The hint a rule stores for `text`: the buckets of its first and last folded characters. */
  hintOf(text: string): number {
    const chars = [...fold(text)];
    return (this.bucket(chars[0]!) << 6) | this.bucket(chars[chars.length - 1]!);
  }

  /** The hash a rule stores for `text` (folded first). */
  hashOf(text: string): string {
    return this.digest(fold(text));
  }

  private digest(folded: string): string {
    return this.base.copy().update(folded, 'utf8').digest('hex');
  }

  /**
   * Spans of `s` (UTF-16 offsets, end exclusive) that fold to a needle, with their replacement. Invisible
   * characters are skipped, so a span may hold some; spans never overlap (the longest wins where they would).
   */
  find(s: string): { start: number; end: number; replace: string }[] {
    if (this.empty || s.length === 0) return [];
    return this.known ? this.findKnown(s) : this.findHashed(s);
  }

  /**
   * Windows hashed (about 1.6 µs each) only where their ends' buckets fit a needle: what a run does, knowing no
   * text. One pass over `s` gives each visible code point's bucket and place; the window is folded only when hashed.
   */
  private findHashed(s: string): { start: number; end: number; replace: string }[] {
    const n = s.length;
    const bk = new Int8Array(n);
    const st = new Int32Array(n);
    const en = new Int32Array(n);
    let count = 0;
    const bmp = this.bmpBuckets;
    for (let i = 0; i < n; ) {
      const cp = s.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      let b = w === 1 ? bmp[cp]! : (this.charBuckets.get(s.slice(i, i + 2)) ?? -2);
      if (b === -2) {
        const ch = String.fromCodePoint(cp);
        const f = foldChar(ch);
        b = f ? this.bucket(f) : -1;
        if (w === 1) bmp[cp] = b;
        else this.charBuckets.set(ch, b);
      }
      if (b >= 0) {
        bk[count] = b;
        st[count] = i;
        en[count] = i + w;
        count++;
      }
      i += w;
    }
    const shortest = this.byLength[this.byLength.length - 1]![0];
    const out: { start: number; end: number; replace: string }[] = [];
    for (let k = 0; k + shortest <= count; k++) {
      if (!this.firsts[bk[k]!]) continue;
      for (const [len, byHash, hints] of this.byLength) {
        if (k + len > count) continue;
        if (hints && !hints.has((bk[k]! << 6) | bk[k + len - 1]!)) continue;
        const replace = byHash.get(this.digest(fold(s.slice(st[k]!, en[k + len - 1]!))));
        if (replace === undefined) continue;
        out.push({ start: st[k]!, end: en[k + len - 1]!, replace });
        k += len - 1;
        break;
      }
    }
    return out;
  }

  /** The same spans by plain search, when the texts are known (the redact command, given the text). */
  private findKnown(s: string): { start: number; end: number; replace: string }[] {
    // The folded visible code points of s, joined, with where each starts and ends in s.
    let joined = '';
    const at = new Map<number, number>();
    const starts: number[] = [];
    const ends: number[] = [];
    let i = 0;
    for (const ch of s) {
      const f = foldChar(ch);
      if (f) {
        at.set(joined.length, starts.length);
        starts.push(i);
        ends.push(i + ch.length);
        joined += f;
      }
      i += ch.length;
    }
    const found: { k: number; len: number; replace: string }[] = [];
    for (const { folded, length, replace } of this.known!) {
      for (let p = joined.indexOf(folded); p >= 0; p = joined.indexOf(folded, p + 1)) {
        const k = at.get(p);
        if (k !== undefined) found.push({ k, len: length, replace });
      }
    }
    found.sort((a, b) => a.k - b.k || b.len - a.len);
    const out: { start: number; end: number; replace: string }[] = [];
    let next = 0;
    for (const f of found) {
      if (f.k < next) continue;
      out.push({ start: starts[f.k]!, end: ends[f.k + f.len - 1]!, replace: f.replace });
      next = f.k + f.len;
    }
    return out;
  }

  /**
   * `s` with every span replaced: plain text (titles, names, JSON strings, Markdown). Runs of percent-encoded
   * bytes (a link written out in text, as on line 2 of an article file) are searched decoded too.
   */
  text(s: string): string {
    let out = this.replaceSpans(s);
    if (out.includes('%')) {
      out = out.replace(/(?:%[0-9A-Fa-f]{2}){2,}/g, (run) => {
        let decoded: string;
        try {
          decoded = decodeURIComponent(run);
        } catch {
          return run;
        }
        const redacted = this.replaceSpans(decoded);
        return redacted === decoded ? run : encodeURIComponent(redacted);
      });
    }
    return out;
  }

  private replaceSpans(s: string): string {
    const spans = this.find(s);
    if (spans.length === 0) return s;
    let out = '';
    let at = 0;
    for (const sp of spans) {
      out += s.slice(at, sp.start) + sp.replace;
      at = sp.end;
    }
    return out + s.slice(at);
  }

  /** A URL: as text, which also searches its percent-encoded runs (a name in a path is sent as %E5%BC%A0…). */
  url(s: string): string {
    return this.text(s);
  }

  /**
   * HTML: text between tags is searched as one string (so `张<b>三</b>` is found), entities decoded; attribute
   * values each on their own (as URLs, which also covers alt and title text). Only what changed is
   * re-encoded: every other byte stays as it was.
   */
  html(s: string): string {
    if (this.empty || s.length === 0) return s;
    const parts: { tag: boolean; raw: string; text?: string }[] = [];
    const TAG = /<!--[\s\S]*?-->|<[a-zA-Z/!?][^>]*>/g;
    let at = 0;
    for (let m = TAG.exec(s); m; m = TAG.exec(s)) {
      if (m.index > at) parts.push({ tag: false, raw: s.slice(at, m.index) });
      parts.push({ tag: true, raw: m[0] });
      at = m.index + m[0].length;
    }
    if (at < s.length) parts.push({ tag: false, raw: s.slice(at) });
    // Text: decoded, joined, searched once; each span is cut out of the parts it covers.
    const texts = parts.filter((p) => !p.tag);
    for (const p of texts) p.text = p.raw.includes('&') ? decodeHTML(p.raw) : p.raw;
    const joined = texts.map((p) => p.text).join('');
    const spans = this.find(joined);
    if (spans.length > 0) {
      let offset = 0;
      for (const p of texts) {
        const t = p.text!;
        const from = offset;
        const to = offset + t.length;
        offset = to;
        let out = '';
        let pos = from;
        let changed = false;
        for (const sp of spans) {
          if (sp.end <= from || sp.start >= to) continue;
          changed = true;
          out += joined.slice(pos, Math.max(sp.start, from));
          // The replacement goes where the span begins; the rest of the span is dropped.
          if (sp.start >= from) out += sp.replace;
          pos = Math.min(sp.end, to);
        }
        if (changed) p.raw = escapeText(out + joined.slice(pos, to));
      }
    }
    // Links written out as text, percent-encoded.
    for (const p of texts) if (p.raw.includes('%')) p.raw = this.text(p.raw);
    for (const p of parts) if (p.tag && !p.raw.startsWith('<!--')) p.raw = this.tag(p.raw);
    return parts.map((p) => (p.tag && p.raw.startsWith('<!--') ? this.text(p.raw) : p.raw)).join('');
  }

  /** Attribute values of one tag, each redacted as a URL (entities decoded first; re-encoded when changed). */
  private tag(raw: string): string {
    return raw.replace(/(=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)/g, (all, eq: string, v: string) => {
      const quote = v[0] === '"' || v[0] === "'" ? v[0] : '';
      const inner = quote ? v.slice(1, -1) : v;
      const value = inner.includes('&') ? decodeHTML(inner) : inner;
      const redacted = this.url(value);
      if (redacted === value) return all;
      return `${eq}"${escapeText(redacted).replace(/"/g, '&quot;')}"`;
    });
  }
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
