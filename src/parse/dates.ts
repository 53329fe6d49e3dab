/** Dates as feeds really write them: RFC 822 with named zones, ISO 8601, and the odd formats seen in the wild. */

const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  // Feeds from Chinese-language outlets use CST for China Standard Time far more often than for US Central,
  // but RFC 822 says US Central; we follow the RFC and document it. HKT/SGT/JST are unambiguous.
  HKT: 480, SGT: 480, JST: 540, KST: 540, BST: 60, CET: 60, CEST: 120, MSK: 180,
};

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, sept: 8, oct: 9, nov: 10, dec: 11,
  // Localised abbreviations that real feeds put in RFC 822 dates (pt, es, fr, de, it).
  fev: 1, abr: 3, mai: 4, ago: 7, set: 8, out: 9, dez: 11, ene: 0, dic: 11, okt: 9, avr: 3, jui: 6, aou: 7, déc: 11, mär: 2, gen: 0, giu: 5, lug: 6, ott: 9,
};

function offsetMinutes(zone: string | undefined): number | null {
  if (!zone) return 0; // no zone: UTC, as RFC 3339 readers conventionally assume for feeds
  const z = zone.trim().toUpperCase();
  if (z in ZONES) return ZONES[z]!;
  const m = /^(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?$/.exec(z);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  return null;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offset: number): Date | null {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo, d, h, mi, s, ms) - offset * 60_000;
  return Number.isFinite(t) ? new Date(t) : null;
}

function fullYear(y: string): number {
  const n = Number(y);
  if (y.length > 2) return n;
  return n < 50 ? 2000 + n : 1900 + n;
}

/** Parse a feed date; null when it is not a date. */
export function parseDate(input: string | null | undefined): Date | null {
  if (!input) return null;
  const s = input.trim().replace(/\s+/g, ' ');
  if (!s || s.length > 100) return null;

  // ISO 8601 / RFC 3339, also with a space instead of T, and "/" separators.
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2}|[A-Za-z]{1,4})?$/.exec(s);
  if (m) {
    const off = offsetMinutes(m[8]);
    if (off === null) return null;
    const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
    return utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms, off);
  }

  // Chinese: 2022年9月7日 13:31(:51)
  m = /^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$/.exec(s);
  if (m) return utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0, 480);

  // RFC 822 / 1123 and relatives: [Day,] 7 Sep 2022 13:31[:51] [zone] [(comment)]
  m = /^(?:[A-Za-zÀ-ÿ]+\.?,?\s*)?(\d{1,2})[ -]([A-Za-zÀ-ÿ]{3,9})\.?[ -](\d{2,4})(?:,?\s+(\d{1,2}):?(\d{2})(?::(\d{2}))?)?\s*([A-Za-z]{1,5}|(?:GMT|UTC)?[+-]\d{2}:?\d{2})?\s*(?:\(.*\))?$/.exec(s);
  if (m) {
    const mo = MONTHS[m[2]!.toLowerCase().slice(0, m[2]!.toLowerCase().startsWith('sept') ? 4 : 3)];
    const off = offsetMinutes(m[7]);
    if (mo === undefined || off === null) return null;
    return utc(fullYear(m[3]!), mo, Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0, off);
  }

  // Month-first: [Day,] Sep 7, 2022 [13:31[:51]] [zone]
  m = /^(?:[A-Za-z]+,?\s*)?([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*([A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const mo = MONTHS[m[1]!.toLowerCase().slice(0, 3)];
    const off = offsetMinutes(m[7]);
    if (mo === undefined || off === null) return null;
    return utc(Number(m[3]), mo, Number(m[2]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0, off);
  }

  // Epoch seconds or milliseconds.
  if (/^\d{9,13}$/.test(s)) {
    const n = Number(s);
    return new Date(s.length > 11 ? n : n * 1000);
  }
  return null;
}
