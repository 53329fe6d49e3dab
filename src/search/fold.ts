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
 * 2,976 pairs. Folding with the table runs at 50–65 MB/s over the real sample on this machine (the browser's
 * makeFold, a regular expression calling a function per character, at 6–9 MB/s; opencc-js's hk→cn: ≈ 17 MB/s).
 */

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

/** The table as code units: TABLE[c - FIRST] is the Simplified form of c, or 0 (the table's keys lie in FIRST … LAST). */
const FIRST = 0x3400;
const LAST = 0x9fff;
let table: Uint16Array | null = null;

function foldTable(): Uint16Array {
  if (table) return table;
  const p = foldPairs();
  const t = new Uint16Array(LAST - FIRST + 1);
  for (let i = 0; i + 1 < p.length; i += 2) t[p.charCodeAt(i) - FIRST] = p.charCodeAt(i + 1);
  return (table = t);
}

/**
 * Fold text for search: NFKC, lower case, Traditional → Simplified by the table. The same function as the
 * browser's makeFold(foldPairs()) (test/search/index.test.ts checks it over the real sample), written for the
 * index builder: it rewrites code units in place in one UTF-16 buffer instead of calling a function per Chinese
 * character of a regular expression's match (half the CPU time of a whole build went to folding that way).
 */
export function foldText(s: string): string {
  const t = foldTable();
  const n = String(s).normalize('NFKC').toLowerCase();
  let i = 0;
  for (; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c >= FIRST && c <= LAST && t[c - FIRST] !== 0) break;
  }
  if (i === n.length) return n;
  const b = Buffer.allocUnsafe(n.length * 2);
  for (let k = 0; k < n.length; k++) {
    let c = n.charCodeAt(k);
    if (c >= FIRST && c <= LAST) c = t[c - FIRST] || c;
    b[2 * k] = c & 0xff;
    b[2 * k + 1] = c >>> 8;
  }
  return b.toString('utf16le');
}
