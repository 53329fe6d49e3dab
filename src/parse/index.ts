/**
 * Parse stage: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0 and JSON Feed 1.x into one ParsedFeed shape.
 *
 * XML goes through htmlparser2 in XML mode: a maintained, streaming-fast parser that never processes a DTD,
 * so internal entities (billion laughs, quadratic blowup) are left as literal text and external entities
 * (XXE) are never resolved or fetched. It is also lenient: unclosed tags and stray `&` still yield items.
 * HTML bodies are passed through raw; the clean stage sanitizes them.
 */
import { decodeHTML } from 'entities';
import { DomUtils, parseDocument } from 'htmlparser2';
import { decodeChunks, decodeText, resolveCharset } from '../encoding/index.js';
import { NewsmirrorError } from '../errors.js';
import type { FeedFormat, FeedItem, ParsedFeed } from '../types.js';
import { parseDate } from './dates.js';
import { CONTROL, XmlTooDeep, XmlTree, hasElementChildren, innerHtml, textOf, treeFromUtf8, type XElement } from './xml.js';

export { parseDate } from './dates.js';

export interface ParseOptions {
  /** Where the feed came from: names it in errors, and is the last base for relative links. */
  url: string;
  contentType?: string | null;
}

/** Parse feed bytes or text; throws NewsmirrorError('malformed_feed') when it is not a feed. */
export function parseFeed(input: Buffer | string, opts: ParseOptions): ParsedFeed {
  const head = typeof input === 'string' ? input.slice(0, 512) : input.subarray(0, 512).toString('latin1');
  const trimmed = head.replace(/^(\uFEFF|\xEF\xBB\xBF|\s)+/, '');
  const looksJson = trimmed.startsWith('{') || /json/i.test(opts.contentType ?? '');
  if (looksJson && !trimmed.startsWith('<')) {
    const text = typeof input === 'string' ? input : decodeText(input, { contentType: opts.contentType, kind: 'json' }).text;
    return parseJsonFeed(text, opts);
  }
  let root: XElement | null;
  try {
    if (typeof input === 'string') {
      root = treeFromChunks([input], opts);
    } else {
      const resolved = resolveCharset(input, { contentType: opts.contentType, kind: 'xml' });
      if (resolved.charset === 'utf-8') {
        const bytes = input.subarray(resolved.bomLength);
        if (isBlank(bytes)) throw malformed(opts, 'empty document');
        root = treeFromUtf8(bytes);
      } else {
        // Other charsets: decoded in pieces that are never joined into one big string (see encoding).
        root = treeFromChunks(decodeChunks(input, resolved), opts);
      }
    }
  } catch (err) {
    if (err instanceof XmlTooDeep) throw malformed(opts, err.message);
    throw err;
  }
  if (!root) throw malformed(opts, 'no XML root element');
  const name = local(root.lname);
  if (name === 'rss' || name === 'channel') return parseRss(root, opts, 'rss');
  if (name === 'rdf') return parseRss(root, opts, 'rdf');
  if (name === 'feed') return parseAtom(root, opts);
  if (name === 'html') throw malformed(opts, 'got an HTML page');
  throw malformed(opts, `unknown root element <${root.name.slice(0, 40)}>`);
}

/** The tree of a document given as decoded pieces, in order. */
function treeFromChunks(chunks: string[], opts: ParseOptions): XElement | null {
  if (chunks.every((c) => !c.trim())) throw malformed(opts, 'empty document');
  const tree = new XmlTree();
  for (const c of chunks) tree.write(c);
  return tree.end();
}

/** True when the bytes hold nothing but white space. */
function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

function malformed(opts: ParseOptions, why: string): NewsmirrorError {
  return new NewsmirrorError('malformed_feed', `${opts.url}: not a feed (${why})`);
}

// ------------------------------------------------------------------ tree helpers

/** Local name: `rdf:rdf` → `rdf`, `atom:link` → `link` (callers pass lowercased names). */
function local(name: string): string {
  const i = name.indexOf(':');
  return i >= 0 ? name.slice(i + 1) : name;
}

function prefix(name: string): string {
  const i = name.indexOf(':');
  return i >= 0 ? name.slice(0, i) : '';
}

function elements(parent: XElement): XElement[] {
  const out: XElement[] = [];
  for (const n of parent.children) if (typeof n !== 'string') out.push(n);
  return out;
}

/** First child whose lowercased qualified name is one of `names` (`content:encoded`, `title` …). */
function child(parent: XElement, ...names: string[]): XElement | null {
  for (const n of parent.children) {
    if (typeof n !== 'string' && names.includes(n.lname)) return n;
  }
  return null;
}

function childrenNamed(parent: XElement, ...names: string[]): XElement[] {
  return elements(parent).filter((e) => names.includes(e.lname));
}

/** Text content of a field (title, link, date …), control characters removed. */
function text(el: XElement | null): string | null {
  return el ? textOf(el).replace(CONTROL, '') : null;
}

/**
 * Inner markup of a body: CDATA/escaped text as is, inline XHTML children serialized. Raw: bodies are most of a
 * feed's characters, and the clean stage, which every body goes through, removes control characters there.
 */
function innerMarkup(el: XElement): string {
  return (hasElementChildren(el) ? innerHtml(el) : textOf(el)).trim();
}

function body(s: string): string | null {
  return s || null;
}

/** Titles are plain text: decode what the XML layer left (HTML entities), drop tags, collapse white space. */
function plainTitle(raw: string | null, kind: 'html' | 'text' | 'guess'): string | null {
  if (raw === null) return null;
  let t = raw;
  // RSS says titles are text, but feeds routinely put escaped markup in them: guess from the content there.
  if (kind === 'html' || (kind === 'guess' && /<[a-z!/]/i.test(t))) t = DomUtils.textContent(parseDocument(t, { decodeEntities: true }));
  else if (kind !== 'text' && t.includes('&')) t = decodeHTML(t);
  t = t.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  return t || null;
}

function clean(s: string | null): string | null {
  if (s === null) return null;
  const t = s.replace(CONTROL, '').trim();
  return t || null;
}

function resolve(href: string | null, base: string | null): string | null {
  if (!href) return null;
  const h = href.trim();
  if (!h) return null;
  try {
    return new URL(h, base ?? undefined).href;
  } catch {
    // An unusable base (a file path, garbage in xml:base) must not cost an absolute link.
    try {
      return new URL(h).href;
    } catch {
      return null;
    }
  }
}

/** The xml:base in force at `el` (nested bases resolve against their parent's), starting from `start`. */
function baseOf(el: XElement, start: string | null): string | null {
  const chain: string[] = [];
  for (let n: XElement | null = el; n; n = n.parent) {
    const b = n.attribs['xml:base'];
    if (b) chain.push(b);
  }
  let base = start;
  for (let i = chain.length - 1; i >= 0; i--) base = resolve(chain[i]!, base) ?? base;
  return base;
}

function dateOf(...els: (XElement | null)[]): Date | null {
  for (const e of els) {
    const d = parseDate(text(e));
    if (d) return d;
  }
  return null;
}

// ------------------------------------------------------------------ RSS 0.9x / 2.0 / 1.0 (RDF)

function parseRss(root: XElement, opts: ParseOptions, format: FeedFormat): ParsedFeed {
  const channel = local(root.lname) === 'channel' ? root : child(root, 'channel') ?? elements(root).find((e) => local(e.lname) === 'channel') ?? null;
  // RSS 2.0: items inside <channel>; RSS 1.0 and some 0.9x: items beside it, under the root.
  const itemParents = [channel, root].filter((x): x is XElement => x !== null);
  const items = itemParents.flatMap((p) => elements(p).filter((e) => local(e.lname) === 'item' && prefix(e.lname) !== 'itunes'));
  if (!channel && items.length === 0) throw malformed(opts, 'no <channel> or <item>');

  const feedBase = channel ? baseOf(channel, opts.url) : opts.url;
  const feedLink = channel ? rssLink(channel, feedBase) : null;
  const title = channel ? plainTitle(text(child(channel, 'title')), 'guess') : null;
  const itemBase = feedLink ?? feedBase;
  return {
    format,
    title,
    link: feedLink,
    items: items.map((it) => rssItem(it, baseOf(it, itemBase))),
  };
}

function rssLink(el: XElement, base: string | null): string | null {
  const link = child(el, 'link');
  const t = clean(text(link));
  if (t) return resolve(t, base);
  for (const l of childrenNamed(el, 'atom:link', 'atom10:link', 'link')) {
    const rel = l.attribs.rel ?? 'alternate';
    if (rel === 'alternate' && l.attribs.href) return resolve(l.attribs.href, base);
  }
  return null;
}

function rssItem(it: XElement, base: string | null): FeedItem {
  const guidEl = child(it, 'guid');
  const guid = clean(text(guidEl)) ?? clean(it.attribs['rdf:about'] ?? null);
  const permalink = guidEl && guidEl.attribs.isPermaLink !== 'false' && guid && /^https?:\/\//i.test(guid) ? guid : null;
  const orig = clean(text(child(it, 'feedburner:origlink')));
  const link = resolve(orig, base) ?? rssLink(it, base) ?? resolve(permalink, base);
  const encoded = child(it, 'content:encoded');
  const description = child(it, 'description');
  const full = encoded ? body(innerMarkup(encoded)) : null;
  const desc = description ? body(innerMarkup(description)) : null;
  const author = clean(text(child(it, 'author'))) ?? clean(text(child(it, 'dc:creator'))) ?? clean(text(child(it, 'itunes:author')));
  return {
    guid,
    title: plainTitle(text(child(it, 'title')), 'guess'),
    link,
    published: dateOf(child(it, 'pubdate'), child(it, 'dc:date'), child(it, 'published'), child(it, 'atom:published')),
    updated: dateOf(child(it, 'atom:updated'), child(it, 'dc:modified'), child(it, 'dcterms:modified'), child(it, 'updated')),
    author,
    contentHtml: full ?? desc,
    summary: full ? desc : null,
    baseUrl: link ?? base,
    categories: childrenNamed(it, 'category', 'dc:subject').map((c) => clean(text(c))).filter((c): c is string => !!c),
  };
}

// ------------------------------------------------------------------ Atom 1.0

function atomText(el: XElement | null): string | null {
  if (!el) return null;
  const type = (el.attribs.type ?? 'text').toLowerCase();
  if (type === 'xhtml') {
    const div = elements(el).find((e) => local(e.lname) === 'div');
    return body(div ? innerMarkup(div) : innerMarkup(el));
  }
  if (type === 'html' || type === 'text/html') return body(textOf(el).trim());
  const t = text(el);
  if (t === null) return null;
  if (type === 'text' || type === 'text/plain') return clean(escapeText(t));
  // Other media types (or src=) carry no inline body we can use.
  return null;
}

/** Plain text made into HTML: escaped, paragraphs on blank lines. */
function escapeText(t: string): string {
  const esc = t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return esc
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function atomTextKind(el: XElement | null): 'html' | 'text' {
  const type = (el?.attribs.type ?? 'text').toLowerCase();
  return type === 'html' || type === 'xhtml' || type === 'text/html' ? 'html' : 'text';
}

function atomLink(el: XElement, base: string | null): string | null {
  const links = childrenNamed(el, 'link', 'atom:link');
  const alt = links.find((l) => (l.attribs.rel ?? 'alternate') === 'alternate' && l.attribs.href) ?? links.find((l) => !l.attribs.rel && l.attribs.href);
  return alt ? resolve(alt.attribs.href!, baseOf(alt, base)) : null;
}

function parseAtom(root: XElement, opts: ParseOptions): ParsedFeed {
  const base = baseOf(root, opts.url);
  const link = atomLink(root, base);
  const titleEl = child(root, 'title', 'atom:title');
  return {
    format: 'atom',
    title: plainTitle(text(titleEl), atomTextKind(titleEl)),
    link,
    items: childrenNamed(root, 'entry', 'atom:entry').map((e) => atomEntry(e, opts.url)),
  };
}

function atomEntry(e: XElement, feedUrl: string): FeedItem {
  const base = baseOf(e, feedUrl);
  const titleEl = child(e, 'title', 'atom:title');
  const content = child(e, 'content', 'atom:content');
  const summary = child(e, 'summary', 'atom:summary');
  const full = atomText(content);
  const sum = atomText(summary);
  const authorEl = child(e, 'author', 'atom:author');
  const link = atomLink(e, base);
  return {
    guid: clean(text(child(e, 'id', 'atom:id'))),
    title: plainTitle(text(titleEl), atomTextKind(titleEl)),
    link,
    published: dateOf(child(e, 'published', 'atom:published'), child(e, 'issued')),
    updated: dateOf(child(e, 'updated', 'atom:updated'), child(e, 'modified')),
    author: authorEl ? clean(text(child(authorEl, 'name', 'atom:name'))) : null,
    contentHtml: full ?? sum,
    summary: full ? sum : null,
    // Relative URLs inside the body resolve against the content element's xml:base.
    baseUrl: (content ? baseOf(content, feedUrl) : null) ?? link ?? base,
    categories: childrenNamed(e, 'category', 'atom:category').map((c) => clean(c.attribs.term ?? null)).filter((c): c is string => !!c),
  };
}

// ------------------------------------------------------------------ JSON Feed 1.x

function str(v: unknown): string | null {
  return typeof v === 'string' ? clean(v) : typeof v === 'number' ? String(v) : null;
}

function parseJsonFeed(textIn: string, opts: ParseOptions): ParsedFeed {
  let data: unknown;
  try {
    data = JSON.parse(textIn.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw malformed(opts, `invalid JSON: ${(err as Error).message.slice(0, 80)}`);
  }
  if (!data || typeof data !== 'object' || !Array.isArray((data as { items?: unknown }).items)) {
    throw malformed(opts, 'JSON without an items array');
  }
  const d = data as Record<string, unknown>;
  const feedLink = resolve(str(d.home_page_url), opts.url);
  const base = feedLink ?? opts.url;
  const items = (d.items as unknown[]).filter((i): i is Record<string, unknown> => !!i && typeof i === 'object');
  return {
    format: 'json',
    title: plainTitle(str(d.title), 'guess'),
    link: feedLink,
    items: items.map((i) => {
      const link = resolve(str(i.url), base) ?? resolve(str(i.external_url), base);
      const html = str(i.content_html);
      const txt = str(i.content_text);
      const full = html ?? (txt ? escapeText(txt) : null);
      const summary = str(i.summary);
      const authors = Array.isArray(i.authors) ? i.authors : i.author ? [i.author] : [];
      const author = authors.map((a) => (a && typeof a === 'object' ? str((a as Record<string, unknown>).name) : null)).find(Boolean) ?? null;
      return {
        guid: str(i.id),
        title: plainTitle(str(i.title), 'guess'),
        link,
        published: parseDate(str(i.date_published)),
        updated: parseDate(str(i.date_modified)),
        author,
        contentHtml: full ?? summary,
        summary: full ? summary : null,
        baseUrl: link ?? base,
        categories: Array.isArray(i.tags) ? i.tags.map(str).filter((c): c is string => !!c) : [],
      };
    }),
  };
}
