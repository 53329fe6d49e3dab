/**
 * The Traditional → Simplified character table, made from opencc-js's OpenCC dictionaries: a Hong Kong or
 * Taiwan variant to its standard form (HKVariantsRev, TWVariantsRev), then TSCharacters (its first, most
 * common Simplified form); a character that is itself a Simplified form (么, 干 …) is left as it is. One
 * character to one character, so that the same table folds the same at index and at query time whatever the
 * context: opencc-js's phrase rules (e.g. 藉口 → 借口) would convert an article and a query of 藉 differently.
 * Measured over the real archive sample (593,410 characters): the table and opencc-js's hk→cn conversion
 * differ at 81, all of them 著 (folded to 着 on both sides, so 穿著 finds 穿着), 藉, 覆 and 沈 in phrases.
 * Compatibility ideographs are folded by NFKC before the table. Reading the three dictionaries takes ≈ 20 ms
 * and 2 MB (opencc-js's Converter, which builds phrase tries, took 350 ms and 25 MB to make such a table);
 * 2,976 pairs. Folding runs at ≈ 10 MB/s (opencc-js's hk→cn conversion: ≈ 17 MB/s).
 */
import { makeFold } from './terms.js';

async function dict(name: string): Promise<Map<string, string[]>> {
  const text = ((await import(`opencc-js/dict/${name}`)) as { default: string }).default;
  return new Map(
    text.split('|').map((e) => {
      const [k, ...v] = e.split(' ');
      return [k!, v];
    }),
  );
}

const [HK, TW, TS] = await Promise.all(['HKVariantsRev', 'TWVariantsRev', 'TSCharacters'].map(dict));
/** Characters that are a Simplified form of some character (么, 著, 干 …): Simplified text keeps them. */
const SIMPLIFIED = new Set([...TS!.values()].flat());

let pairs: string | null = null;

/** The table as one string of pairs (Traditional, Simplified, …), as the browser gets it. */
export function foldPairs(): string {
  if (pairs !== null) return pairs;
  let out = '';
  for (const [from, to] of [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
  ] as const) {
    for (let c = from; c <= to; c++) {
      const s = String.fromCharCode(c);
      if (SIMPLIFIED.has(s)) continue;
      const v = HK!.get(s)?.[0] ?? TW!.get(s)?.[0] ?? s;
      const r = TS!.get(v)?.[0] ?? v;
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
