/**
 * Extract stage: the whole article from its page, for feeds that carry only a teaser. Mozilla Readability
 * over linkedom (a fast DOM), or a fixed CSS selector where the site is known. Extraction may fall back —
 * the result says why — but never throws for an expected failure: the feed body is then kept.
 *
 * The HTML returned is raw; the orchestrator cleans it with the clean stage, using the page URL as base.
 */
import type Database from 'better-sqlite3';
import { decodeText } from '../encoding/index.js';
import { errorMessage, isNewsmirrorError } from '../errors.js';
import type { Fetcher, FullTextMode } from '../types.js';

export type ExtractResult = { kind: 'full'; html: string; url: string; title?: string | null } | { kind: 'fallback'; code: string; reason: string };

/** Visible text of an HTML fragment, without a DOM (cheap enough to run on every item). */
function textOf(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&[#\w]+;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const READ_MORE = /(read more|continue reading|full story|阅读全文|閱讀全文|继续阅读|繼續閱讀|查看全文|点击阅读|更多内容|\[…\]|\[\.\.\.\]|…|\.\.\.)\s*$/i;

/** CJK characters count for more than Latin ones: a 200-character Chinese article is a short one. */
function weightedLength(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]/.test(ch) ? 2.5 : 1;
  return n;
}

/** Teaser threshold: about 200 CJK characters or 500 Latin ones. */
export const TEASER_LENGTH = 500;

/** Whether the full text should be fetched for a feed body under `mode`. */
export function needsFullText(mode: FullTextMode, feedBodyHtml: string | null, link: string | null): boolean {
  if (!link || mode === 'never') return false;
  if (mode === 'always') return true;
  const body = feedBodyHtml ?? '';
  const text = textOf(body);
  if (!text) return true;
  if (weightedLength(text) < TEASER_LENGTH) return true;
  // A body that ends in "read more" (as text or as the last link) is a teaser, whatever its length.
  const lastLink = /<a\b[^>]*>([^<]*)<\/a>\s*(<\/p>)?\s*$/i.exec(body.trim());
  return READ_MORE.test(text) || (lastLink !== null && READ_MORE.test(lastLink[1]!.trim()));
}

/** Remembers extracted pages so an unchanged article is not fetched again on the next run. */
export interface PageCache {
  get(url: string): { html: string; fetchedAt: number } | null;
  put(url: string, html: string): void;
}

/** A PageCache in the archive's index database (table fulltext_cache). */
export function createSqlitePageCache(db: Database.Database): PageCache {
  db.exec('CREATE TABLE IF NOT EXISTS fulltext_cache (url TEXT PRIMARY KEY, html TEXT NOT NULL, fetched_at INTEGER NOT NULL)');
  const get = db.prepare('SELECT html, fetched_at FROM fulltext_cache WHERE url = ?');
  const put = db.prepare('INSERT INTO fulltext_cache (url, html, fetched_at) VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET html = excluded.html, fetched_at = excluded.fetched_at');
  return {
    get: (url) => {
      const r = get.get(url) as { html: string; fetched_at: number } | undefined;
      return r ? { html: r.html, fetchedAt: r.fetched_at } : null;
    },
    put: (url, html) => void put.run(url, html, Date.now()),
  };
}

// linkedom and Readability are loaded on the first page to extract: linkedom alone adds ~24 MB to the process
// (measured), which a run whose feeds all carry full text never needs.
let domLibs: Promise<{ parseHTML: typeof import('linkedom').parseHTML; Readability: typeof import('@mozilla/readability').Readability }> | null = null;
function loadDomLibs() {
  domLibs ??= Promise.all([import('linkedom'), import('@mozilla/readability')]).then(([l, r]) => ({ parseHTML: l.parseHTML, Readability: r.Readability }));
  return domLibs;
}

/** Shortest extraction we believe is an article, in weighted characters. */
const MIN_EXTRACTED = 200;

/** Fetch `link` (untrusted) and extract the article: by `selector` when given, else with Readability. */
export async function extractFullText(fetcher: Fetcher, link: string, opts: { selector: string | null; maxBytes?: number }): Promise<ExtractResult> {
  let page: { html: string; url: string };
  try {
    const out = await fetcher.fetch({ url: link, untrusted: true, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5', maxBytes: opts.maxBytes });
    if (out.kind !== 'fetched') return { kind: 'fallback', code: 'not_modified', reason: `${link}: unexpected 304` };
    if (out.contentType && !/html|xml/i.test(out.contentType)) {
      return { kind: 'fallback', code: 'not_html', reason: `${link}: page is ${out.contentType.split(';')[0]}, not HTML` };
    }
    page = { html: decodeText(out.body, { contentType: out.contentType, kind: 'html' }).text, url: out.url };
  } catch (err) {
    return { kind: 'fallback', code: isNewsmirrorError(err) ? err.code : 'network', reason: errorMessage(err) };
  }
  return extractFromPage(page, opts);
}

/**
 * The article of a page already fetched (decoded HTML and its final URL), as extractFullText finds it; the
 * result also carries the page's headline (og:title, else Readability's title). The re-check stage uses it.
 */
export async function extractFromPage(page: { html: string; url: string }, opts: { selector: string | null }): Promise<ExtractResult> {
  const { parseHTML, Readability } = await loadDomLibs();
  try {
    const { document } = parseHTML(page.html);
    const og = document.querySelector('meta[property="og:title"]')?.getAttribute('content')?.trim() || null;
    if (opts.selector) {
      const el = document.querySelector(opts.selector);
      if (!el || !textOf(el.innerHTML)) return { kind: 'fallback', code: 'selector_not_found', reason: `${page.url}: nothing matches ${opts.selector}` };
      return { kind: 'full', html: el.innerHTML, url: page.url, title: og ?? (document.title?.trim() || null) };
    }
    const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 100 }).parse();
    const html = article?.content ?? '';
    if (weightedLength(textOf(html)) < MIN_EXTRACTED) {
      return { kind: 'fallback', code: 'nothing_extracted', reason: `${page.url}: no article found on the page` };
    }
    return { kind: 'full', html, url: page.url, title: og ?? (article?.title?.trim() || null) };
  } catch (err) {
    return { kind: 'fallback', code: 'extract_failed', reason: `${page.url}: ${errorMessage(err)}` };
  }
}
