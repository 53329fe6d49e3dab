/**
 * Search tokens that work for Chinese without a dictionary: every CJK character is a token (so a query of two
 * characters finds the articles containing both), other scripts become lowercased words. Single characters
 * keep the vocabulary to a few thousand terms, which is what keeps the index small; character bigrams were
 * tried first and made the index grow with every distinct pair (hundreds of MB for a few thousand articles).
 * The same function runs when the index is built and, as source text, in the reader's browser.
 */
export function searchTokenize(text: string): string[] {
  // match() with /g returns the tokens themselves: no match object per token (an exec loop made one each).
  return String(text).toLowerCase().match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z0-9\u00c0-\u024f\u0400-\u04ff]+/g) || [];
}

/** The browser's copy of the index options (fields, stored fields, tokenizer), as script source. */
export const SEARCH_OPTIONS_SOURCE = `var SEARCH_OPTIONS = {
  fields: ['title', 'text'],
  storeFields: ['title', 'url', 'date', 'siteName'],
  tokenize: ${searchTokenize.toString()},
  processTerm: function (t) { return t; }
};`;
