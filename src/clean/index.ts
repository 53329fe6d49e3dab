/**
 * Clean stage: every body that reaches the archive goes through `cleanHtml`, whatever its source (feed or
 * article page). It is an allowlist (sanitize-html), so what it does not know does not survive. In the same
 * single pass it makes URLs absolute, turns lazy-loaded images into real ones, drops tracking pixels, turns
 * video/audio embeds into links and routes images through the configured proxy, so they load where the
 * original hosts are blocked.
 *
 * The output is deterministic and idempotent (cleanHtml(cleanHtml(x)) === cleanHtml(x)): a run that finds
 * nothing new must produce the same bytes as the last one. Rare malformed input needs a second pass for that
 * (see IMPLIED_CLOSE); everything else is cleaned in one.
 */
import { Parser } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';

export interface CleanOptions {
  /** Base for relative URLs (the item link, the page URL); null drops relative URLs. */
  baseUrl: string | null;
  /** Image proxy template with `{url}`, or null to keep the original image URLs. */
  imageProxy: string | null;
}

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'a', 'img', 'figure', 'figcaption', 'div', 'span', 'small', 'i', 'em', 'b', 'strong', 'u', 's',
  'sub', 'sup', 'blockquote', 'q', 'cite', 'code', 'pre', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3',
  'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'abbr', 'time', 'mark',
  'del', 'ins',
];

// Dropped with everything inside them: their content is code or chrome, not article text. (iframe, object and
// embed are listed for safety; the transforms below turn each into a link or drop it first.)
const DROP_WITH_CONTENT = [
  'script', 'style', 'noscript', 'template', 'textarea', 'svg', 'math', 'title', 'head', 'select', 'option',
  'applet', 'xmp', 'noembed', 'noframes', 'frame', 'frameset', 'iframe', 'object', 'embed',
];

// Named colours are plain words; the lookahead only keeps words that look like code out of the output.
const COLOR = [/^#[0-9a-f]{3,8}$/i, /^rgba?\(\s*[\d.]+%?\s*(,\s*[\d.]+%?\s*){2,3}\)$/i, /^(?!.*(expression|script|behavior|binding))[a-z]{3,20}$/i];
// Maps, not object literals: property names come from the input, and `constructor` must not find Object's.
const SAFE_STYLES = new Map<string, RegExp[]>([
  ['color', COLOR],
  ['background-color', COLOR],
  ['text-align', [/^(left|right|center|justify)$/]],
  ['font-weight', [/^(normal|bold|bolder|lighter|[1-9]00)$/]],
  ['font-style', [/^(normal|italic|oblique)$/]],
  ['text-decoration', [/^(none|underline|line-through|overline)$/]],
]);

/**
 * A style attribute reduced to its allowed declarations (`prop:value;…`, as sanitize-html's own filter wrote
 * them), or undefined when none is left. Done here rather than by sanitize-html's parseStyleAttributes, which
 * runs postcss on every style attribute: a quarter of the clean stage's time on the bench's bodies. Splitting
 * at `;` is enough because every allowed value is a plain word, number or colour: a declaration holding
 * quotes, comments, escapes or a `;` inside parentheses matches no pattern and goes.
 */
export function safeStyle(style: string | undefined): string | undefined {
  if (style === undefined) return undefined;
  const kept: string[] = [];
  for (const decl of style.split(';')) {
    const colon = decl.indexOf(':');
    if (colon < 0) continue;
    const patterns = SAFE_STYLES.get(decl.slice(0, colon).trim());
    if (!patterns) continue;
    let value = decl.slice(colon + 1).trim();
    const important = /\s*!\s*important$/i.exec(value);
    if (important) value = value.slice(0, important.index);
    if (patterns.some((re) => re.test(value))) kept.push(`${decl.slice(0, colon).trim()}:${value}${important ? ' !important' : ''}`);
  }
  return kept.length > 0 ? kept.join(';') : undefined;
}

/** `attribs` with its style attribute filtered (or removed); the same object when there is none. */
function withSafeStyle(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  if (attribs.style === undefined) return attribs;
  const { style, ...rest } = attribs;
  const safe = safeStyle(style);
  return safe === undefined ? rest : { ...rest, style: safe };
}

// Images that exist only to count readers. Kept short on purpose; each entry is a common feed tracker:
// FeedBurner (feeds.feedburner.com, feedproxy.google.com: /~r/ counters and /~ff/ flare buttons), WordPress
// stats (pixel.wp.com, stats.wordpress.com), Google Analytics, DoubleClick, Feedsportal, and any path named
// /pixel or /beacon (with an optional .gif/.png).
const TRACKER_HOST = /(^|\.)(feeds\.feedburner\.com|feedproxy\.google\.com|pixel\.wp\.com|stats\.wordpress\.com|google-analytics\.com|doubleclick\.net|feedsportal\.com)$/i;
const TRACKER_PATH = /\/~(r|ff)\/|\/(pixel|beacon)(\.(gif|png))?(\/|$)/i;

// Proxies the older archives used, with and without a scheme: a URL on these hosts is already proxied,
// whatever proxy is configured now.
const KNOWN_PROXY_HOSTS = ['images.weserv.nl', 'wsrv.nl'];

// Hosts whose embeds are videos; other iframes are labelled as plain embedded content.
const VIDEO_URL = /youtube\.com|youtu\.be|vimeo\.com|bilibili\.com|youku\.com|dailymotion\.com|\.(mp4|webm|m3u8|mov|ogv)(\?|$)/i;
const AUDIO_URL = /\.(mp3|m4a|aac|ogg|oga|opus|wav|flac)(\?|$)/i;
const LABEL = { video: '视频 / Video', audio: '音频 / Audio', embed: '嵌入内容 / Embed' };

/** The hosts whose URLs are already proxied: the template's own host and the known weserv hosts. */
function proxyHosts(template: string | null): string[] {
  const hosts = [...KNOWN_PROXY_HOSTS];
  if (template) {
    try {
      const host = new URL(template.replace('{url}', 'x')).hostname.toLowerCase();
      if (!hosts.includes(host)) hosts.push(host);
    } catch {
      // A template that is not a URL is refused by config validation; here it simply proxies nothing twice.
    }
  }
  return hosts;
}

/** What a browser's URL parser ignores: leading/trailing controls and spaces, tabs and newlines anywhere. */
function trimUrl(url: string): string {
  return url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

/** `url` kept as-is (https added when scheme-less) if it already points at a proxy host; else null. */
function alreadyProxied(url: string, hosts: string[]): string | null {
  const u = trimUrl(url);
  // Old archives wrote "//images.weserv.nl/?url=…" and even "images.weserv.nl?url=…" (no scheme at all).
  const m = /^(?:(https?:)?\/\/)?([^/?#\s\\]+)(?:[/?#]|$)/i.exec(u);
  if (!m || !hosts.includes(m[2]!.toLowerCase())) return null;
  const full = m[1] ? u : u.startsWith('//') ? `https:${u}` : `https://${u}`;
  try {
    return new URL(full).protocol.startsWith('http') ? full : null;
  } catch {
    return null;
  }
}

/** Route an image URL through the proxy template (`{url}` ← encodeURIComponent(url)); never proxies twice. */
export function proxyImageUrl(url: string, template: string | null): string {
  return alreadyProxied(url, proxyHosts(template)) ?? (template ? template.replace('{url}', encodeURIComponent(url)) : url);
}

/** `url` resolved against `base`, or null unless it is http(s) (or mailto when `mailto` is true). */
function absolute(url: string | undefined, base: string | null, mailto = false): string | null {
  if (url === undefined) return null;
  const u = trimUrl(url);
  if (!u) return null;
  try {
    const abs = new URL(u, base ?? undefined);
    if (abs.protocol === 'http:' || abs.protocol === 'https:' || (mailto && abs.protocol === 'mailto:')) return abs.href;
    return null;
  } catch {
    return null;
  }
}

/** The final URL of one image: kept if already proxied, else absolute and then proxied (if configured). */
function imageUrl(raw: string | undefined, base: string | null, template: string | null, hosts: string[]): string | null {
  if (raw === undefined) return null;
  const kept = alreadyProxied(raw, hosts);
  if (kept) return kept;
  const abs = absolute(raw, base);
  if (!abs) return null;
  return template ? template.replace('{url}', encodeURIComponent(abs)) : abs;
}

interface Candidate {
  url: string;
  /** `640w`, `2x` or empty. */
  descriptor: string;
}

/** The candidates of a srcset (the HTML algorithm, short: a URL is a run of non-space, descriptors end at a comma). */
function parseSrcset(raw: string): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < raw.length) {
    while (i < raw.length && /[\s,]/.test(raw[i]!)) i++;
    const start = i;
    while (i < raw.length && !/\s/.test(raw[i]!)) i++;
    let url = raw.slice(start, i);
    if (!url) break;
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      const dStart = i;
      let depth = 0;
      while (i < raw.length && (raw[i] !== ',' || depth > 0)) {
        if (raw[i] === '(') depth++;
        else if (raw[i] === ')' && depth > 0) depth--;
        i++;
      }
      descriptor = raw.slice(dStart, i).trim().replace(/\s+/g, ' ');
    }
    out.push({ url, descriptor });
  }
  return out;
}

/** The srcset rewritten (absolute, proxied), dropping candidates with bad URLs or descriptors. */
function rewriteSrcset(raw: string | undefined, base: string | null, template: string | null, hosts: string[]): Candidate[] {
  if (!raw) return [];
  const out: Candidate[] = [];
  for (const c of parseSrcset(raw)) {
    const url = imageUrl(c.url, base, template, hosts);
    if (url && /^(\d+(\.\d+)?[wx])?$/.test(c.descriptor)) out.push({ url, descriptor: c.descriptor });
  }
  return out;
}

/** The candidate a reader without srcset support should get: the largest one. */
function largest(set: Candidate[]): string | undefined {
  let best: Candidate | undefined;
  for (const c of set) if (!best || (parseFloat(c.descriptor) || 0) > (parseFloat(best.descriptor) || 0)) best = c;
  return best?.url;
}

/** A src that is not the real image: missing, an inline data: URI, or a named spacer. */
function isPlaceholder(src: string | undefined): boolean {
  return !src || /^\s*data:/i.test(src) || /(blank|spacer|placeholder|lazy|1x1|pixel)\.(gif|png|jpe?g|svg)/i.test(src);
}

function tiny(v: string | undefined): boolean {
  return v !== undefined && /^\s*[01](\.0*)?(px)?\s*$/i.test(v);
}

function isTrackingPixel(attribs: Record<string, string>, abs: string): boolean {
  if (tiny(attribs.width) && tiny(attribs.height)) return true;
  const style = attribs.style ?? '';
  if (/(^|;)\s*width\s*:\s*[01](px)?\s*(;|$)/i.test(style) && /(^|;)\s*height\s*:\s*[01](px)?\s*(;|$)/i.test(style)) return true;
  try {
    const u = new URL(abs);
    return TRACKER_HOST.test(u.hostname) || TRACKER_PATH.test(u.pathname);
  } catch {
    return false;
  }
}

type MediaKind = keyof typeof LABEL;
// Maps, not object literals: tag names come from the input, and `<constructor>` must not find Object's.
const MEDIA_TAGS = new Map<string, MediaKind>([['video', 'video'], ['audio', 'audio'], ['iframe', 'embed'], ['embed', 'embed'], ['object', 'embed']]);

// htmlparser2 closes an open element implicitly when certain tags open, but only when that element is the
// innermost one (its `openImpliesClose`, restricted to tags we keep). When an element we discard sits in
// between (`<p><font><div>`), the first pass keeps `<p><div>` nested and a second parse would split it: such
// input gets a second pass, so that the output is a fixed point.
const P_ONLY = ['p'];
const IMPLIED_CLOSE = new Map<string, string[]>([
  ['tr', ['tr', 'th', 'td']], ['th', ['th']], ['td', ['thead', 'th', 'td']], ['li', ['li']], ['dd', ['dd', 'dt']], ['dt', ['dd', 'dt']],
  ['tbody', ['thead', 'tbody']], ['tfoot', ['thead', 'tbody']],
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'div', 'dl', 'figcaption', 'figure', 'hr', 'ol', 'pre', 'table', 'ul'].map((t): [string, string[]] => [t, P_ONLY]),
]);
const KEPT = new Set(ALLOWED_TAGS);

const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Sanitize an HTML fragment into safe article markup (see the module comment for what it does). */
export function cleanHtml(html: string, opts: CleanOptions): string {
  // C0 controls (but tab, newline, CR) mean nothing in HTML and break terminals and Markdown; every body, from a
  // feed or a page, is freed of them here.
  const first = cleanPass(html.replace(CONTROL_CHARS, ''), opts);
  return first.unstable ? cleanPass(first.html, opts).html : first.html;
}

/** One sanitize-html pass; `unstable` when a second parse of its output would nest elements differently. */
function cleanPass(html: string, opts: CleanOptions): { html: string; unstable: boolean } {
  const base = opts.baseUrl;
  const template = opts.imageProxy;
  const hosts = proxyHosts(template);

  // Parser state, kept through sanitize-html's open/close hooks: the enclosing embeds (so one embed becomes
  // one link, not one per <source>/<embed> fallback inside it) and how deep we are inside links (a link
  // inside a link would be split apart by a browser).
  const media: { kind: MediaKind; linked: boolean }[] = [];
  let anchors = 0;
  let insideLinkedEmbed = false;
  // htmlparser2's stack of open elements as the input names them, and whether each one reaches the output.
  const open: { name: string; kept: boolean }[] = [];
  let unstable = false;

  // Dropping or unwrapping an element goes through the exclusive filter, never through a rename to a tag that
  // is not allowed: sanitize-html then forgets to undo the rename and closes the next sibling with the wrong
  // tag (apostrophecms/sanitize-html#398). The marker is the identity of the attribs object we return.
  const dropped = new WeakSet<object>();
  const unwrapped = new WeakSet<object>();
  const drop = (): sanitizeHtml.Tag => {
    const attribs = {};
    dropped.add(attribs);
    return { tagName: 'span', attribs };
  };
  // Its content stays, but its own text (a "your browser cannot play this" line) does not.
  const unwrap = (): sanitizeHtml.Tag => {
    const attribs = {};
    unwrapped.add(attribs);
    return { tagName: 'span', attribs, text: '' };
  };

  const embedLink = (kind: MediaKind, raw: string | undefined): sanitizeHtml.Tag | null => {
    const entry = media[media.length - 1];
    const href = absolute(raw, base);
    if (!entry || entry.linked || !href) return null;
    entry.linked = true;
    // Inside a link, the embed's URL has no place of its own: it is dropped, and so is its fallback content.
    if (anchors > 0) return null;
    if (kind === 'embed' && VIDEO_URL.test(href)) kind = 'video';
    if (kind === 'embed' && AUDIO_URL.test(href)) kind = 'audio';
    entry.kind = kind;
    return { tagName: 'a', attribs: { href }, text: `${LABEL[kind]}: ${href}` };
  };
  const toEmbed = (tag: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag =>
    embedLink(MEDIA_TAGS.get(tag)!, tag === 'object' ? attribs.data : attribs.src) ??
    // Without a usable URL: an iframe's content is never shown by browsers, so it goes; video, audio and object
    // keep theirs, where a <source> or an inner <embed> may still give the link.
    (tag === 'iframe' || media[media.length - 1]?.linked ? drop() : unwrap());

  const out = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'srcset', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
      time: ['datetime'],
      '*': ['style'],
    },
    // Styles are filtered by withSafeStyle in the transforms below (every element passes through one).
    parseStyleAttributes: false,
    // A second line of defence: our transforms already made every URL absolute http(s) (or mailto for links).
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'srcset'],
    allowProtocolRelative: false,
    nonTextTags: DROP_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    parser: { lowerCaseTags: true, lowerCaseAttributeNames: true, decodeEntities: true },
    onOpenTag: (name) => {
      // Runs before the transforms of this element: whatever opens inside an embed that is already a link
      // is that embed's fallback, and goes.
      insideLinkedEmbed = media.length > 0 && media[media.length - 1]!.linked;
      const closes = IMPLIED_CLOSE.get(name);
      if (closes && open.length > 0 && !open[open.length - 1]!.kept) {
        for (let i = open.length - 1; i >= 0; i--) {
          if (!open[i]!.kept) continue;
          if (closes.includes(open[i]!.name)) unstable = true;
          break;
        }
      }
      open.push({ name, kept: KEPT.has(name) });
      if (name === 'a') anchors++;
      const kind = MEDIA_TAGS.get(name);
      if (kind) media.push({ kind, linked: false });
    },
    onCloseTag: (name) => {
      // htmlparser2 closes innermost first; the search only guards against a surprise.
      for (let i = open.length - 1; i >= 0; i--) {
        if (open[i]!.name === name) {
          open.length = i;
          break;
        }
      }
      if (name === 'a' && anchors > 0) anchors--;
      if (MEDIA_TAGS.has(name)) media.pop();
    },
    transformTags: {
      a: (_tag, attribs) => {
        const href = absolute(attribs.href, base, true);
        return { tagName: 'a', attribs: { ...(href ? { href } : {}), ...(attribs.title ? { title: attribs.title } : {}) } };
      },
      img: (_tag, attribs) => {
        const lazy = isPlaceholder(attribs.src);
        const lazySrc = attribs['data-src'] ?? attribs['data-original'] ?? attribs['data-lazy-src'];
        const lazySet = attribs['data-srcset'] ?? attribs['data-lazy-srcset'];
        const rawSet = lazySet !== undefined && (lazy || attribs.srcset === undefined) ? lazySet : attribs.srcset;
        const set = rewriteSrcset(rawSet, base, template, hosts);
        const rawSrc = lazy ? (lazySrc ?? (/^\s*data:/i.test(attribs.src ?? '') ? undefined : attribs.src)) : attribs.src;
        const src = imageUrl(rawSrc, base, template, hosts) ?? largest(set);
        // No src: the exclusive filter below drops the element (a void element cannot be renamed away cleanly).
        if (!src || isTrackingPixel(attribs, absolute(rawSrc, base) ?? src)) return { tagName: 'img', attribs: {} };
        const out: Record<string, string> = { src };
        if (set.length) out.srcset = set.map((c) => (c.descriptor ? `${c.url} ${c.descriptor}` : c.url)).join(', ');
        for (const k of ['alt', 'title']) if (attribs[k] !== undefined) out[k] = attribs[k]!;
        const style = safeStyle(attribs.style);
        if (style !== undefined) out.style = style;
        // Sizes are layout hints; anything but a number or a percentage is noise.
        for (const k of ['width', 'height']) if (attribs[k] !== undefined && /^\d+(\.\d+)?%?$/.test(attribs[k]!.trim())) out[k] = attribs[k]!.trim();
        return { tagName: 'img', attribs: out };
      },
      iframe: toEmbed,
      embed: toEmbed,
      object: toEmbed,
      video: toEmbed,
      audio: toEmbed,
      // A <source> of a video/audio without its own src gives the embed its link; picture sources just go
      // (their <img> carries the image).
      source: (_tag, attribs) => {
        const entry = media[media.length - 1];
        if (!entry || entry.kind === 'embed') return drop();
        const kind: MediaKind = /^audio\//i.test(attribs.type ?? '') || AUDIO_URL.test(attribs.src ?? '') ? 'audio' : entry.kind;
        return embedLink(kind, attribs.src) ?? drop();
      },
      '*': (tag, attribs) => (insideLinkedEmbed ? drop() : { tagName: tag, attribs: withSafeStyle(attribs) }),
    },
    exclusiveFilter: (frame) =>
      dropped.has(frame.attribs) || (unwrapped.has(frame.attribs) ? 'excludeTag' : frame.tag === 'img' && !frame.attribs.src),
  });
  return { html: out, unstable };
}

// Elements that separate words: their edges become a space in the text.
const BLOCK = new Set([
  'p', 'br', 'hr', 'div', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote',
  'pre', 'figure', 'figcaption', 'table', 'caption', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'section',
  'article', 'header', 'footer', 'aside', 'nav', 'main', 'img',
]);
const SKIP_TEXT = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'textarea', 'title']);

/** Plain text of an HTML fragment, white space collapsed (titles, search, teaser detection). */
export function htmlToText(html: string): string {
  // A streaming parse, no DOM: no recursion, so absurdly deep nesting costs nothing special.
  const parts: string[] = [];
  let skip = 0;
  const parser = new Parser(
    {
      onopentagname: (name) => {
        if (SKIP_TEXT.has(name)) skip++;
        else if (BLOCK.has(name)) parts.push(' ');
      },
      onclosetag: (name) => {
        if (SKIP_TEXT.has(name)) {
          if (skip > 0) skip--;
        } else if (BLOCK.has(name)) parts.push(' ');
      },
      ontext: (t) => {
        if (skip === 0) parts.push(t);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/** Longest title stored; a feed that sends megabytes of title is not writing a headline. */
const MAX_TITLE = 500;

/**
 * A title fit for a file, a list line and a page: white space collapsed, bidirectional overrides and
 * invisible characters removed (they can make a list line read as something else), length capped.
 */
export function safeTitle(raw: string): string {
  const t = raw
    .slice(0, MAX_TITLE * 4)
    .replace(/[\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\u2028\u2029\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > MAX_TITLE ? `${t.slice(0, MAX_TITLE - 1)}…` : t;
}
