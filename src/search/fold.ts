/**
 * The Traditional → Simplified character table, made from opencc-js (the OpenCC dictionaries: Hong Kong and
 * Taiwan variants, then TSCharacters). Every BMP ideograph is converted on its own and kept when opencc-js
 * makes it one other BMP character: a one-to-one table folds the same at index and at query time, whatever the
 * context (opencc-js's phrase rules, e.g. 藉口 → 借口, would convert an article and a query of 藉 differently;
 * over the real archive sample the table and phrase-level conversion differ at 11 of 592,909 characters).
 * Made once per process (≈ 20 ms), ≈ 3,400 pairs.
 */
import * as OpenCC from 'opencc-js';
import { makeFold } from './terms.js';

let pairs: string | null = null;

/** The table as one string of pairs (Traditional, Simplified, …), as the browser gets it. */
export function foldPairs(): string {
  if (pairs !== null) return pairs;
  const hk = OpenCC.Converter({ from: 'hk', to: 'cn' });
  const tw = OpenCC.Converter({ from: 'tw', to: 'cn' });
  let out = '';
  for (const [from, to] of [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
  ] as const) {
    for (let c = from; c <= to; c++) {
      const s = String.fromCharCode(c);
      let r = hk(s);
      if (r === s) r = tw(s);
      if (r !== s && r.length === 1) out += s + r;
    }
  }
  return (pairs = out);
}

let fold: ((s: string) => string) | null = null;

/** Fold text for search: NFKC, lower case, Traditional → Simplified by the table. */
export function foldText(s: string): string {
  return (fold ??= makeFold(foldPairs()))(s);
}
