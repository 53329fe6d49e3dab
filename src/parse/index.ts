/**
 * Parse stage: RSS 0.90–0.94/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.x into one ParsedFeed shape.
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
import { CONTROL, XmlTooDeep, XmlTree, hasElementChildren, innerHtml, textOf, treeFromUtf8, type XChild, type XElement } from './xml.js';

export { parseDate } from './dates.js';

export interface ParseOptions {
  /** Where the feed came from: names it in errors, and is the last base for relative links. */
  url: string;
  contentType?: string | null;
  /** How errors name the input (a file path the user typed); default the url. */
  name?: string;
}

/** Parse feed bytes or text; throws NewsmirrorError('malformed_feed') when it is not a feed. */
export function parseFeed(input: Buffer | string, opts: ParseOptions): ParsedFeed {
  const resolved = typeof input === 'string' ? null : resolveCharset(input, { contentType: opts.contentType, kind: 'xml' });
  // The first characters, decoded (a UTF-16 document's bytes say nothing read one by one).
  const head = resolved ? decodeChunks((input as Buffer).subarray(0, resolved.bomLength + 512), resolved).join('') : (input as string).slice(0, 512);
  const trimmed = head.replace(/^(\uFEFF|\s)+/, '');
  const looksJson = trimmed.startsWith('{') || /json/i.test(opts.contentType ?? '');
  if (looksJson && !trimmed.startsWith('<')) {
    const text = typeof input === 'string' ? input : decodeText(input, { contentType: opts.contentType, kind: 'json' }).text;
    return parseJsonFeed(text, opts);
  }
  let root: XElement | null;
  try {
    if (typeof input === 'string' || !resolved) {
      root = treeFromChunks([input as string], opts);
    } else {
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
  if (!root) throw malformed(opts, notMarkup(head));
  canonicalizeNames(root);
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

/** Why input with no root element is not a feed: binary data, or text that is not markup. */
function notMarkup(head: string): string {
  // Text has no NUL and few C0 controls (the head is decoded: UTF-16/32 text has none either).
  const controls = head.match(/[\u0000-\u0008\u000E-\u001F]/g)?.length ?? 0;
  if (controls > 0 && controls * 20 >= head.length) return 'binary data, not text';
  if (!head.includes('<')) return 'plain text, no XML or JSON';
  return 'no XML root element';
}

/** True when the bytes hold nothing but white space. */
function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

function malformed(opts: ParseOptions, why: string): NewsmirrorError {
  return new NewsmirrorError('malformed_feed', `${opts.name ?? opts.url}: not a feed (${why})`);
}

// ------------------------------------------------------------------ namespaces

/**
 * The prefix each vocabulary is looked up by. Feeds bind namespaces to whatever prefix they like
 * (`xmlns:rss="http://purl.org/rss/1.0/"` with `<rss:item>`, `xmlns:dublin=` for Dublin Core); lookups here go by
 * these canonical names. '' is the document's own vocabulary (RSS elements in RSS, Atom elements in Atom).
 */
const RSS_NS = ['http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/', 'http://backend.userland.com/rss2', 'http://backend.userland.com/rss'];
const ATOM_NS = ['http://www.w3.org/2005/Atom', 'http://purl.org/atom/ns#'];
const OTHER_NS: Record<string, string> = {
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://rssnamespace.org/feedburner/ext/1.0': 'feedburner',
};

function canonicalPrefix(uri: string, atomDoc: boolean): string | null {
  if (RSS_NS.includes(uri)) return atomDoc ? null : '';
  if (ATOM_NS.includes(uri)) return atomDoc ? '' : 'atom';
  return OTHER_NS[uri] ?? null;
}

/**
 * The renames in force inside an element: prefix → canonical prefix, for prefixes bound to a known namespace
 * under another name. Declarations on the element replace what it inherits (an unknown namespace ends a rename).
 */
function scopeOf(attribs: Record<string, string>, atomDoc: boolean, inherited: Map<string, string>): Map<string, string> {
  let out = inherited;
  for (const k in attribs) {
    if (k !== 'xmlns' && !k.startsWith('xmlns:')) continue;
    const p = k === 'xmlns' ? '' : k.slice(6).toLowerCase();
    const c = canonicalPrefix(attribs[k]!.trim(), atomDoc);
    if (out === inherited) out = new Map(inherited);
    if (c === null || c === p) out.delete(p);
    else out.set(p, c);
  }
  return out;
}

/**
 * Rename elements to their canonical names (see above), in place. Only documents that declare a known namespace
 * under another prefix, or declare namespaces below the root, are walked: the common case costs one look at the
 * root's attributes.
 */
function canonicalizeNames(root: XElement): void {
  const atomDoc = local(root.lname) === 'feed';
  const top = scopeOf(root.attribs, atomDoc, new Map());
  if (top.size === 0 && !root.nestedXmlns) return;
  const stack: [XElement, Map<string, string>][] = [[root, top]];
  while (stack.length) {
    const [el, inherited] = stack.pop()!;
    const scope = el === root ? inherited : scopeOf(el.attribs, atomDoc, inherited);
    if (scope.size > 0) {
      const c = scope.get(prefix(el.lname));
      if (c !== undefined) el.lname = c ? `${c}:${local(el.lname)}` : local(el.lname);
    }
    for (const n of el.children) if (typeof n !== 'string') stack.push([n, scope]);
  }
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

/** Elements whose text is never part of a title (nor of anything a reader sees as text). */
const NOT_TEXT = new Set(['script', 'style']);
const isNotText = (name: string) => NOT_TEXT.has(local(name.toLowerCase()));

/** The text of a title element: like `text`, but markup written inline loses its script and style elements. */
function titleText(el: XElement | null): string | null {
  if (!el) return null;
  if (!hasElementChildren(el)) return text(el);
  let out = '';
  const stack: XChild[] = [...el.children].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (typeof n === 'string') out += n;
    else if (!isNotText(n.lname)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out.replace(CONTROL, '');
}

/** Titles are plain text: decode what the XML layer left (HTML entities), drop tags, collapse white space. */
function plainTitle(raw: string | null, kind: 'html' | 'text' | 'guess'): string | null {
  if (raw === null) return null;
  let t = raw;
  // RSS says titles are text, but feeds routinely put escaped markup in them: guess from the content there.
  if (kind === 'html' || (kind === 'guess' && /<[a-z!/]/i.test(t))) {
    const doc = parseDocument(t, { decodeEntities: true });
    // Script and style content is code, never title text (and a title is what a reader sees first).
    for (const e of DomUtils.findAll((n) => isNotText(n.name), doc.children)) DomUtils.removeElement(e);
    t = DomUtils.textContent(doc);
  }
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

/** The first date found under one of `names`, looked up in order (most feeds stop at the first). */
function dateIn(el: XElement, names: readonly string[]): Date | null {
  for (const n of names) {
    const d = parseDate(text(child(el, n)));
    if (d) return d;
  }
  return null;
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
  const rootName = local(root.lname);
  const wrapper = rootName === 'channel' ? root : child(root, 'channel') ?? elements(root).find((e) => local(e.lname) === 'channel') ?? null;
  // RSS 2.0: items inside <channel>; RSS 0.90, 1.0 and feeds that drop the wrapper: items beside it, under the root.
  const itemParents = [wrapper, wrapper === root ? null : root].filter((x): x is XElement => x !== null);
  const items = itemParents.flatMap((p) => elements(p).filter((e) => local(e.lname) === 'item' && prefix(e.lname) !== 'itunes'));
  // An <rss> without a <channel> carries the channel's fields itself; an <rss> with no items is an empty feed.
  const channel = wrapper ?? (rootName === 'rss' ? root : null);
  if (!channel && items.length === 0) throw malformed(opts, 'no <channel> or <item>');

  const feedBase = channel ? baseOf(channel, opts.url) : opts.url;
  const feedLink = channel ? rssLink(channel, feedBase) : null;
  const title = channel ? plainTitle(titleText(child(channel, 'title', 'dc:title', 'dcterms:title')), 'guess') : null;
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

/** Where an item's publication date may be, in order: RSS, Dublin Core, dcterms, Atom. */
const DATES = ['pubdate', 'dc:date', 'dcterms:issued', 'dcterms:created', 'dcterms:date', 'dcterms:available', 'published', 'atom:published'];

/** The first author named by `own` (RSS `author`, Atom's name) or Dublin Core's creator or contributor. */
function authorOf(it: XElement, ...own: string[]): string | null {
  for (const n of [...own, 'dc:creator', 'dcterms:creator', 'itunes:author', 'dc:contributor', 'dcterms:contributor']) {
    const a = clean(text(child(it, n)));
    if (a) return a;
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
  // Dublin Core stands in for what RSS lacks (RSS 1.0 feeds carry their dates and authors nowhere else).
  const description = child(it, 'description') ?? child(it, 'dc:description') ?? child(it, 'dcterms:description') ?? child(it, 'dcterms:abstract');
  const full = encoded ? body(innerMarkup(encoded)) : null;
  const desc = description ? body(innerMarkup(description)) : null;
  return {
    guid,
    title: plainTitle(titleText(child(it, 'title') ?? child(it, 'dc:title') ?? child(it, 'dcterms:title')), 'guess'),
    link,
    published: dateIn(it, DATES),
    updated: dateOf(child(it, 'atom:updated'), child(it, 'dc:modified'), child(it, 'dcterms:modified'), child(it, 'updated')),
    author: authorOf(it, 'author'),
    contentHtml: full ?? desc,
    summary: full ? desc : null,
    baseUrl: link ?? base,
    categories: childrenNamed(it, 'category', 'dc:subject').map((c) => clean(text(c))).filter((c): c is string => !!c),
  };
}

// ------------------------------------------------------------------ Atom 1.0

type AtomKind = 'html' | 'xhtml' | 'text' | 'other';

/** What a text construct holds: Atom 1.0's `text|html|xhtml`, or Atom 0.3's media types. */
function atomKind(el: XElement): AtomKind {
  const type = (el.attribs.type ?? 'text').split(';')[0]!.trim().toLowerCase();
  if (type === 'html' || type === 'text/html') return 'html';
  if (type === 'xhtml' || type === 'application/xhtml+xml') return 'xhtml';
  if (type === 'text' || type === 'text/plain') return 'text';
  return 'other';
}

/** Atom 0.3's `mode`: `xml` (inline, the default), `escaped` (markup as text) or `base64`. */
function atomMode(el: XElement): 'xml' | 'escaped' | 'base64' {
  const m = (el.attribs.mode ?? '').trim().toLowerCase();
  return m === 'escaped' || m === 'base64' ? m : 'xml';
}

/** A base64 body (Atom 0.3): decoded as UTF-8, the only charset such content can assume. */
function fromBase64(el: XElement): string {
  return Buffer.from(textOf(el).replace(/\s+/g, ''), 'base64').toString('utf8');
}

function atomText(el: XElement | null): string | null {
  if (!el) return null;
  const kind = atomKind(el);
  const mode = atomMode(el);
  if (kind === 'other') return null; // other media types (or src=) carry no inline body we can use
  if (mode === 'base64') {
    const t = fromBase64(el);
    return kind === 'text' ? clean(escapeText(t)) : body(t.trim());
  }
  if (kind === 'xhtml' && mode === 'xml') {
    const div = elements(el).find((e) => local(e.lname) === 'div');
    return body(div ? innerMarkup(div) : innerMarkup(el));
  }
  if (kind !== 'text') return body(innerMarkup(el));
  const t = text(el);
  return t === null ? null : clean(escapeText(t));
}

/** A title construct as plain text: decoded by its mode, markup (without script and style) made text. */
function atomTitle(el: XElement | null): string | null {
  if (!el) return null;
  const kind = atomKind(el);
  const mode = atomMode(el);
  if (mode === 'base64') return plainTitle(fromBase64(el), kind === 'text' ? 'text' : 'html');
  // Inline XHTML is already elements: their text (scripts and styles left out) is the title.
  if (kind === 'xhtml' && mode === 'xml') return plainTitle(titleText(el), 'text');
  return plainTitle(titleText(el), kind === 'text' ? 'text' : 'html');
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

function atomLink(el: XElement, base: string | null): string | null {
  const links = childrenNamed(el, 'link', 'atom:link');
  const alt = links.find((l) => (l.attribs.rel ?? 'alternate') === 'alternate' && l.attribs.href) ?? links.find((l) => !l.attribs.rel && l.attribs.href);
  return alt ? resolve(alt.attribs.href!, baseOf(alt, base)) : null;
}

function parseAtom(root: XElement, opts: ParseOptions): ParsedFeed {
  const base = baseOf(root, opts.url);
  const link = atomLink(root, base);
  // An entry without an author has the feed's (Atom 1.0 §4.2.1, Atom 0.3 §4.2.3).
  const feedAuthor = atomAuthor(root);
  return {
    format: 'atom',
    title: atomTitle(child(root, 'title', 'atom:title')),
    link,
    items: childrenNamed(root, 'entry', 'atom:entry').map((e) => atomEntry(e, opts.url, feedAuthor)),
  };
}

function atomAuthor(el: XElement): string | null {
  const authorEl = child(el, 'author', 'atom:author');
  return (authorEl ? clean(text(child(authorEl, 'name', 'atom:name'))) : null) ?? authorOf(el);
}

function atomEntry(e: XElement, feedUrl: string, feedAuthor: string | null): FeedItem {
  const base = baseOf(e, feedUrl);
  const content = child(e, 'content', 'atom:content');
  const summary = child(e, 'summary', 'atom:summary');
  const full = atomText(content);
  const sum = atomText(summary);
  const link = atomLink(e, base);
  return {
    guid: clean(text(child(e, 'id', 'atom:id'))),
    title: atomTitle(child(e, 'title', 'atom:title')),
    link,
    // Atom 0.3: issued (required), created, modified.
    published: dateOf(child(e, 'published', 'atom:published'), child(e, 'issued'), child(e, 'created'), child(e, 'dc:date'), child(e, 'dcterms:issued')),
    updated: dateOf(child(e, 'updated', 'atom:updated'), child(e, 'modified'), child(e, 'dcterms:modified')),
    author: atomAuthor(e) ?? feedAuthor,
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
