/**
 * Search tokens that work for Chinese: runs of CJK characters become overlapping bigrams (a single character
 * stays a unigram), other scripts become lowercased words. The same function runs when the index is built
 * and, as source text, in the reader's browser, so both sides always agree.
 */
export function searchTokenize(text: string): string[] {
  const out: string[] = [];
  const re = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9\u00c0-\u024f\u0400-\u04ff]+/g;
  const lower = String(text).toLowerCase();
  let m: RegExpExecArray | null;
  while ((m = re.exec(lower)) !== null) {
    const w = m[0];
    if (/^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/.test(w)) {
      if (w.length === 1) out.push(w);
      for (let i = 0; i + 1 < w.length; i++) out.push(w.slice(i, i + 2));
    } else {
      out.push(w);
    }
  }
  return out;
}

/** The browser's copy of the index options (fields, stored fields, tokenizer), as script source. */
export const SEARCH_OPTIONS_SOURCE = `var SEARCH_OPTIONS = {
  fields: ['title', 'text'],
  storeFields: ['title', 'url', 'date', 'siteName'],
  tokenize: ${searchTokenize.toString()},
  processTerm: function (t) { return t; }
};`;
