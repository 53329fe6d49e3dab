/**
 * Clean stage: every body that reaches the archive goes through `cleanHtml`, whatever its source (feed or
 * article page). It is an allowlist (sanitize-html), so what it does not know does not survive. It also makes
 * URLs absolute, turns lazy-loaded images into real ones, drops tracking pixels, turns video embeds into
 * links and routes images through the configured proxy so they load where the original hosts are blocked.
 *
 * The output is deterministic and idempotent (cleanHtml(cleanHtml(x)) === cleanHtml(x)): a run that finds
 * nothing new must produce the same bytes as the last one.
 */
import { Parser } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';

export interface CleanOptions {
  /** Base for relative URLs (the item link, the page URL); null leaves relative URLs out. */
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

// Elements whose content is code or chrome, not text: dropped with everything inside them.
const DROP_WITH_CONTENT = ['script', 'style', 'noscript', 'template', 'textarea', 'svg', 'math', 'title', 'head', 'select', 'option', 'object', 'applet', 'xmp', 'noembed', 'noframes', 'iframe', 'frame', 'frameset', 'embed'];

const COLOR = [/^#[0-9a-f]{3,8}$/i, /^rgba?\(\s*[\d.]+%?\s*(,\s*[\d.]+%?\s*){2,3}\)$/i, /^[a-z]{3,20}$/i];
const SAFE_STYLES = {
  color: COLOR,
  'background-color': COLOR,
  'text-align': [/^(left|right|center|justify)$/],
  'font-weight': [/^(normal|bold|bolder|lighter|[1-9]00)$/],
  'font-style': [/^(normal|italic|oblique)$/],
  'text-decoration': [/^(none|underline|line-through|overline)$/],
};

// Known trackers: hosts and paths whose images exist only to count readers.
const TRACKER = /(^|\.)(feeds\.feedburner\.com|feedproxy\.google\.com|pixel\.wp\.com|stats\.wordpress\.com|google-analytics\.com|doubleclick\.net|feedsportal\.com|pixel\.quantserve\.com|sb\.scorecardresearch\.com)$/i;
const TRACKER_PATH = /\/(~r|~ff|~a)\/|\/(pixel|beacon|tracking)(\.gif|\.png|\/|$)|[?&](utm_[a-z]+)=.*[?&]?(1x1)/i;

// Proxies known to wrap image URLs already (the original archive used weserv, with and without a scheme).
const KNOWN_PROXY_HOSTS = ['images.weserv.nl', 'wsrv.nl'];

function proxyHosts(template: string | null): string[] {
  const hosts = [...KNOWN_PROXY_HOSTS];
  if (template) {
    try {
      hosts.push(new URL(template.replace('{url}', 'x')).host.toLowerCase());
    } catch {
      /* a template that is not a URL was refused by config validation */
    }
  }
  return hosts;
}

/** If `url` already goes through an image proxy (even scheme-less), return it with https; else null. */
function alreadyProxied(url: string, hosts: string[], template: string | null = null): string | null {
  // The configured proxy, whatever its parameter is called: the URL starts with the template's fixed part.
  const fixed = template ? template.slice(0, template.indexOf('{url}')) : '';
  if (fixed && url.trim().startsWith(fixed)) return url.trim();
  const m = /^(?:(https?:)?\/\/)?([^/?#\s]+)([/?].*)$/i.exec(url.trim());
  if (!m || !hosts.includes(m[2]!.toLowerCase()) || !/[?&]url=/i.test(m[3]!)) return null;
  return `${m[1] ? m[1].toLowerCase() : 'https:'}//${m[2]}${m[3]}`;
}

/** Route an image URL through the proxy template (`{url}` ← encodeURIComponent(url)); never proxies twice. */
export function proxyImageUrl(url: string, template: string | null): string {
  const proxied = alreadyProxied(url, proxyHosts(template), template);
  if (proxied) return proxied;
  if (!template) return url;
  return template.replace('{url}', encodeURIComponent(url));
}

function absolute(url: string | undefined, base: string | null): string | null {
  if (!url) return null;
  // Browsers strip these before parsing a URL; so do we, so that "java\tscript:" cannot slip past as relative.
  const u = url.replace(/[\u0000-\u0020\u007f]+/g, (m, i: number) => (i === 0 ? '' : m.includes(' ') ? '%20' : '')).trim();
  if (!u) return null;
  try {
    const abs = new URL(u, base ?? undefined);
    if (abs.protocol !== 'http:' && abs.protocol !== 'https:' && abs.protocol !== 'mailto:') return null;
    return abs.href;
  } catch {
    return null;
  }
}

function isPlaceholder(src: string | undefined): boolean {
  return !src || /^data:/i.test(src.trim()) || /(blank|spacer|placeholder|lazy|1x1|pixel)\.(gif|png|jpe?g|svg)/i.test(src);
}

function imageUrl(raw: string | undefined, base: string | null, template: string | null, hosts: string[]): string | null {
  if (!raw) return null;
  const proxied = alreadyProxied(raw, hosts, template);
  if (proxied) return proxied;
  const abs = absolute(raw, base);
  if (!abs || abs.startsWith('mailto:')) return null;
  return template ? template.replace('{url}', encodeURIComponent(abs)) : abs;
}

function srcset(raw: string | undefined, base: string | null, template: string | null, hosts: string[]): string | null {
  if (!raw) return null;
  const parts: string[] = [];
  for (const entry of raw.split(/,\s+/)) {
    const [u, ...desc] = entry.trim().split(/\s+/);
    const url = imageUrl(u, base, template, hosts);
    const d = desc.join(' ');
    if (url && /^(\d+(\.\d+)?[wx])?$/.test(d)) parts.push(d ? `${url} ${d}` : url);
  }
  return parts.length ? parts.join(', ') : null;
}

function tiny(v: string | undefined): boolean {
  return v !== undefined && /^\s*[01](px)?\s*$/.test(v);
}

function isTrackingPixel(attribs: Record<string, string>, src: string | null): boolean {
  if (tiny(attribs.width) && tiny(attribs.height)) return true;
  const style = attribs.style ?? '';
  if (/width\s*:\s*[01]px/i.test(style) && /height\s*:\s*[01]px/i.test(style)) return true;
  if (!src) return false;
  try {
    const u = new URL(src);
    return TRACKER.test(u.hostname) || TRACKER_PATH.test(u.pathname + u.search);
  } catch {
    return false;
  }
}

/** Sanitize an HTML fragment into safe article markup (see the module comment for what it does). */
export function cleanHtml(html: string, opts: CleanOptions): string {
  const base = opts.baseUrl;
  const template = opts.imageProxy;
  const hosts = proxyHosts(template);
  const embedToLink = (label: string) => (_tag: string, attribs: Record<string, string>): sanitizeHtml.Tag => {
    const href = absolute(attribs.src ?? attribs.data ?? attribs.poster, base);
    // An embed becomes a plain link to what it showed; without a usable URL it disappears.
    return href && /^https?:/.test(href)
      ? { tagName: 'a', attribs: { href }, text: `${label}: ${href}` }
      : { tagName: 'nm-drop', attribs: {}, text: '' };
  };
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'srcset', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
      time: ['datetime'],
      '*': ['style'],
    },
    allowedStyles: { '*': SAFE_STYLES },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'srcset'],
    allowProtocolRelative: false,
    nonTextTags: DROP_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    parser: { lowerCaseTags: true, lowerCaseAttributeNames: true, decodeEntities: true },
    transformTags: {
      a: (tag, attribs) => {
        const href = absolute(attribs.href, base);
        return { tagName: 'a', attribs: { ...(href ? { href } : {}), ...(attribs.title ? { title: attribs.title } : {}) } };
      },
      img: (tag, attribs) => {
        const lazy = attribs['data-src'] ?? attribs['data-original'] ?? attribs['data-lazy-src'];
        const rawSrc = isPlaceholder(attribs.src) && lazy ? lazy : attribs.src;
        const absSrc = alreadyProxied(rawSrc ?? '', hosts, template) ?? absolute(rawSrc, base);
        // No src: the exclusive filter below drops the element (a void element cannot be renamed away cleanly).
        if (!absSrc || absSrc.startsWith('mailto:') || isTrackingPixel(attribs, absSrc)) return { tagName: 'img', attribs: {} };
        const out: Record<string, string> = { src: imageUrl(absSrc, base, template, hosts)! };
        const set = srcset(attribs['data-srcset'] ?? attribs.srcset, base, template, hosts);
        if (set) out.srcset = set;
        for (const k of ['alt', 'title', 'width', 'height', 'style']) if (attribs[k] !== undefined) out[k] = attribs[k]!;
        return { tagName: 'img', attribs: out };
      },
      iframe: embedToLink('视频 / Video'),
      embed: embedToLink('视频 / Video'),
      video: embedToLink('视频 / Video'),
      audio: embedToLink('音频 / Audio'),
      object: embedToLink('嵌入内容 / Embedded'),
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  });
}

/** Plain text of an HTML fragment, white space collapsed (titles, search, teaser detection). */
export function htmlToText(html: string): string {
  // A streaming parse, no DOM: no recursion, so absurdly deep nesting costs nothing special.
  const parts: string[] = [];
  let skip = 0;
  const parser = new Parser(
    {
      onopentagname: (name) => {
        if (SKIP_TEXT.has(name)) skip++;
      },
      onclosetag: (name) => {
        if (SKIP_TEXT.has(name) && skip > 0) skip--;
      },
      ontext: (t) => {
        if (skip === 0) parts.push(t);
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

const SKIP_TEXT = new Set(['script', 'style', 'noscript', 'template']);
