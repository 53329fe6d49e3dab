/**
 * What the search index is made of, shared by the index builder (Node) and the reader's browser: the same
 * functions run on both sides (the browser gets their source text), so a query is cut exactly as the articles
 * were. Plain self-contained functions, no imports, ES2017 at most.
 *
 * - Folding: NFKC (full-width Latin, compatibility ideographs), lower case, then every Traditional or variant
 *   character to its Simplified form by a one-to-one character table made from opencc-js (see fold.ts). The
 *   same table at both ends is what makes 習近平 and 习近平 the same query.
 * - Chinese: every pair of adjacent characters (a bigram) is a term, so a two-character word is found exactly
 *   where it is written, adjacent, and a longer word needs all its overlapping pairs (习近, 近平). Dictionary
 *   segmentation (Intl.Segmenter 'zh') was measured first and cuts names apart (特/朗/普, 习/近平, 许/章/润),
 *   so words never written in its dictionary would not match; bigrams need no dictionary.
 * - A lone character matches titles only ('#' + character): a body's single characters would double the index.
 * - Latin, Greek, Cyrillic and digits: lower-cased words.
 */

/** A folding function from the table's pairs (source character, target character, …). */
export function makeFold(pairs: string): (s: string) => string {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) map[pairs[i]!] = pairs[i + 1]!;
  return function (s: string): string {
    return String(s)
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g, function (c) {
        return map[c] || c;
      });
  };
}

/** Runs of Chinese characters and words of other scripts in folded text. */
export function textRuns(folded: string): string[] {
  return folded.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+/g) || [];
}

/** The terms one query word or document run stands for: its bigrams, a lone character's title term, or the word. */
export function runTerms(run: string, out: string[]): void {
  if (/^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/.test(run)) {
    if (run.length === 1) out.push('#' + run);
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
  } else out.push(run.slice(0, 40));
}

/** The distinct terms of a query (every term must match: AND), in the order written. */
export function queryTerms(q: string, fold: (s: string) => string): string[] {
  const out: string[] = [];
  const runs = textRuns(fold(q));
  for (let i = 0; i < runs.length; i++) runTerms(runs[i]!, out);
  return out.filter(function (t, i) {
    return out.indexOf(t) === i;
  });
}

/** FNV-1a over the UTF-16 code units of a term: which bucket of a segment holds it. */
export function termBucket(term: string, bits: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return bits === 0 ? 0 : (h >>> 0) >>> (32 - bits);
}

/** Read unsigned LEB128 varints from `bytes` at `state.p`. */
export function readVarint(bytes: Uint8Array, state: { p: number }): number {
  let x = 0;
  let shift = 1;
  for (;;) {
    const b = bytes[state.p++]!;
    x += (b & 0x7f) * shift;
    if (b < 0x80) return x;
    shift *= 128;
  }
}

/**
 * One bucket file: varint term count; per term its UTF-8 length, bytes, posting count and posting byte
 * length; then the postings, each a list of ascending document ids as varint gaps. Returns term → ids.
 */
export function parseBucket(bytes: Uint8Array, decode: (b: Uint8Array) => string, only?: string[]): Record<string, number[]> {
  const st = { p: 0 };
  const n = readVarint(bytes, st);
  const heads: { term: string; count: number; len: number }[] = [];
  for (let i = 0; i < n; i++) {
    const tl = readVarint(bytes, st);
    const term = decode(bytes.subarray(st.p, st.p + tl));
    st.p += tl;
    heads.push({ term: term, count: readVarint(bytes, st), len: readVarint(bytes, st) });
  }
  const out: Record<string, number[]> = {};
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i]!;
    const end = st.p + h.len;
    if (!only || only.indexOf(h.term) >= 0) {
      const ids: number[] = new Array(h.count);
      const s = { p: st.p };
      let id = 0;
      for (let k = 0; k < h.count; k++) ids[k] = id += readVarint(bytes, s) + (k === 0 ? 0 : 1);
      out[h.term] = ids;
    }
    st.p = end;
  }
  return out;
}

/** Ids in every list (each ascending), ascending. */
export function intersect(lists: number[][]): number[] {
  if (lists.length === 0) return [];
  const sorted = lists.slice().sort(function (a, b) {
    return a.length - b.length;
  });
  let acc = sorted[0]!;
  for (let i = 1; i < sorted.length && acc.length > 0; i++) {
    const other = sorted[i]!;
    const next: number[] = [];
    let j = 0;
    for (let k = 0; k < acc.length; k++) {
      while (j < other.length && other[j]! < acc[k]!) j++;
      if (j < other.length && other[j] === acc[k]) next.push(acc[k]!);
    }
    acc = next;
  }
  return acc;
}
