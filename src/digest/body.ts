/**
 * An article body made fit for a digest file: only plain article markup (what the clean stage keeps, and what
 * EPUB 3's XHTML allows), links to the web only, and images either carried inside the file or left out with
 * their captions and alt text kept. Bodies imported from older archives were cleaned by older rules, so this
 * does not trust them to be tidy.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Element, Text, type ChildNode } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';
import { imageType } from '../images/index.js';

/** Elements kept as they are (every one is valid XHTML flow or phrasing content in its place). */
const KEEP = new Set([
  'p', 'br', 'hr', 'a', 'img', 'figure', 'figcaption', 'div', 'span', 'small', 'i', 'em', 'b', 'strong', 'u', 's',
  'sub', 'sup', 'blockquote', 'q', 'cite', 'code', 'pre', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h2', 'h3', 'h4',
  'h5', 'h6', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'abbr', 'time', 'mark', 'del', 'ins',
]);
/** Dropped with their content: code, chrome or media a digest cannot carry. */
const DROP = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'video', 'audio', 'source', 'track', 'svg', 'math', 'form', 'input', 'button', 'select', 'textarea', 'canvas', 'map', 'link', 'meta', 'head', 'title']);
/** Renamed: h1 belongs to the digest's own headings. */
const RENAME: Record<string, string> = { h1: 'h2' };
/** Where each element may stand; elsewhere it becomes a div (its content kept). */
const PARENTS: Record<string, string[]> = {
  li: ['ul', 'ol'],
  dt: ['dl'],
  dd: ['dl'],
  tr: ['table', 'thead', 'tbody', 'tfoot'],
  td: ['tr'],
  th: ['tr'],
  thead: ['table'],
  tbody: ['table'],
  tfoot: ['table'],
  caption: ['table'],
  figcaption: ['figure'],
};
/** Elements whose children must all be elements of one kind. */
const ONLY: Record<string, string[]> = {
  ul: ['li'],
  ol: ['li'],
  dl: ['dt', 'dd'],
  table: ['caption', 'thead', 'tbody', 'tfoot', 'tr'],
  thead: ['tr'],
  tbody: ['tr'],
  tfoot: ['tr'],
  tr: ['td', 'th'],
};
/** Elements that hold phrasing content only: a block inside them is unwrapped. */
const PHRASING = new Set(['p', 'span', 'small', 'i', 'em', 'b', 'strong', 'u', 's', 'sub', 'sup', 'q', 'cite', 'code', 'abbr', 'time', 'mark', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'a', 'dt', 'caption']);
const INLINE = new Set(['a', 'img', 'br', 'span', 'small', 'i', 'em', 'b', 'strong', 'u', 's', 'sub', 'sup', 'q', 'cite', 'code', 'abbr', 'time', 'mark', 'del', 'ins']);

/** An image carried inside a digest. */
export interface CarriedImage {
  /** Absolute file. */
  file: string;
  bytes: Buffer;
  type: 'jpg' | 'png' | 'gif' | 'webp' | 'avif';
}

export interface BodyOptions {
  /** Archive root; local images are archive files. */
  archive: string;
  /** Archive-relative path of the article file (image paths are relative to it). */
  articlePath: string;
  /** Largest image carried, in bytes. */
  imageMaxBytes: number;
  /** Image types the target format can carry. */
  types: ReadonlySet<string>;
  /** The src an image carried gets (a data: URI, a path inside the book). */
  src: (img: CarriedImage) => string;
  xml: boolean;
}

/** The body, rewritten for a digest; returns the markup and how many images were carried and left out. */
export function digestBody(html: string, opts: BodyOptions): { html: string; carried: number; left: number } {
  const doc = parseDocument(html, { decodeEntities: true });
  const count = { carried: 0, left: 0 };
  tidy(doc.children, null, opts, count);
  if (!opts.xml) return { html: DomUtils.getOuterHTML(doc.children, { encodeEntities: 'utf8', decodeEntities: true }), ...count };
  // XML mode would write every Chinese character as a numeric reference (several times the bytes): escape
  // the few XML specials here and let the serializer write the text as it is.
  escapeForXml(doc.children);
  return { html: DomUtils.getOuterHTML(doc.children, { xmlMode: true, selfClosingTags: true, encodeEntities: false }), ...count };
}

function escapeForXml(nodes: ChildNode[]): void {
  for (const node of nodes) {
    if (node instanceof Text) node.data = node.data.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    else if (node instanceof Element) {
      for (const k of Object.keys(node.attribs)) node.attribs[k] = node.attribs[k]!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
      escapeForXml(node.children);
    }
  }
}

function tidy(nodes: ChildNode[], parent: Element | null, opts: BodyOptions, count: { carried: number; left: number }): void {
  // Copy: nodes are replaced while walking.
  for (const node of [...nodes]) {
    if (node.type === 'comment' || node.type === 'directive' || node.type === 'cdata') {
      DomUtils.removeElement(node);
      continue;
    }
    if (!(node instanceof Element)) continue;
    let name = node.name.toLowerCase();
    if (DROP.has(name)) {
      DomUtils.removeElement(node);
      continue;
    }
    name = RENAME[name] ?? name;
    if (!KEEP.has(name)) {
      unwrap(node, parent, opts, count);
      continue;
    }
    node.name = name;
    const where = PARENTS[name];
    if (where && (!parent || !where.includes(parent.name))) node.name = INLINE.has(parent?.name ?? '') || PHRASING.has(parent?.name ?? '') ? 'span' : 'div';
    if (parent && PHRASING.has(parent.name) && !INLINE.has(node.name)) {
      // A block inside a paragraph or a link: its content stays, inline.
      unwrap(node, parent, opts, count);
      continue;
    }
    if (name === 'a' && parent && hasAncestor(parent, 'a')) {
      unwrap(node, parent, opts, count);
      continue;
    }
    node.attribs = attributes(node);
    if (node.name === 'img') {
      image(node, opts, count);
      continue;
    }
    if (node.name === 'a' && !node.attribs.href) {
      unwrap(node, parent, opts, count);
      continue;
    }
    tidy(node.children, node, opts, count);
    if (node.name === 'a' && !DomUtils.textContent(node).trim() && !DomUtils.findOne((e) => e.name === 'img', node.children)) {
      // A link with nothing to read or see (a share button whose icon went): nothing to follow either.
      DomUtils.removeElement(node);
      continue;
    }
    const only = ONLY[node.name];
    if (only) {
      for (const child of [...node.children]) {
        if (child instanceof Element && only.includes(child.name)) continue;
        if (child instanceof Text && !child.data.trim()) continue;
        // Stray content of a list or table: into a list item or cell of its own, or out.
        const wrapper = node.name === 'ul' || node.name === 'ol' ? 'li' : node.name === 'dl' ? 'dd' : null;
        if (wrapper) {
          const li = new Element(wrapper, {});
          DomUtils.replaceElement(child, li);
          DomUtils.appendChild(li, child);
        } else DomUtils.removeElement(child);
      }
    }
  }
}

function hasAncestor(el: Element, name: string): boolean {
  for (let p: Element | null = el; p; p = p.parent instanceof Element ? p.parent : null) if (p.name === name) return true;
  return false;
}

/** Replace `el` by its children (tidied in place of it). */
function unwrap(el: Element, parent: Element | null, opts: BodyOptions, count: { carried: number; left: number }): void {
  const children = [...el.children];
  for (const c of children) DomUtils.prepend(el, c);
  DomUtils.removeElement(el);
  tidy(children, parent, opts, count);
}

const ATTRS: Record<string, string[]> = {
  a: ['href', 'title'],
  img: ['src', 'alt', 'width', 'height'],
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan'],
  time: ['datetime'],
  abbr: ['title'],
};

function attributes(el: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ATTRS[el.name] ?? []) {
    const v = el.attribs[k];
    if (v === undefined) continue;
    if (['width', 'height', 'colspan', 'rowspan'].includes(k) && !/^[1-9]\d{0,4}$/.test(v)) continue;
    if (k === 'href') {
      const href = webHref(v);
      if (href) out[k] = href;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** Carry a locally stored image under the size cap; else leave it out, keeping its alt text. */
function image(img: Element, opts: BodyOptions, count: { carried: number; left: number }): void {
  const carried = localImage(img.attribs.src ?? '', opts);
  if (carried) {
    img.attribs = { src: opts.src(carried), alt: img.attribs.alt ?? '', ...(img.attribs.width ? { width: img.attribs.width } : {}), ...(img.attribs.height ? { height: img.attribs.height } : {}) };
    count.carried++;
    return;
  }
  count.left++;
  const alt = (img.attribs.alt ?? '').trim();
  if (alt) {
    const note = new Element('span', { class: 'img-alt' });
    DomUtils.appendChild(note, new Text(`［图 ${alt}］`));
    DomUtils.replaceElement(img, note);
  } else DomUtils.removeElement(img);
}

function localImage(src: string, opts: BodyOptions): CarriedImage | null {
  if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('/')) return null;
  const rel = path.posix.normalize(path.posix.join(path.posix.dirname(opts.articlePath), decodeURI(src)));
  if (!rel.startsWith('assets/')) return null;
  const file = path.join(opts.archive, rel);
  if (!existsSync(file)) return null;
  const st = statSync(file);
  if (!st.isFile() || st.size > opts.imageMaxBytes) return null;
  const bytes = readFileSync(file);
  const type = imageType(bytes);
  if (!type || !opts.types.has(type)) return null;
  return { file, bytes, type };
}

/**
 * A link to the web as a valid URL (RFC 3986: what the WHATWG parser leaves raw, like `|`, percent-encoded), or
 * null for anything else (relative links lead nowhere inside a file, javascript: never anywhere).
 */
export function webHref(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v.trim());
  } catch {
    return null;
  }
  if (!['http:', 'https:', 'mailto:'].includes(u.protocol)) return null;
  return u.href.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/g, (c) => encodeURIComponent(c));
}
