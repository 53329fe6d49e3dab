/**
 * A minimal element tree for feeds, built from htmlparser2's SAX callbacks.
 *
 * Why not htmlparser2's own DOM (domhandler): profiling the parse stage on the bench feeds showed node
 * construction and repeated name lowercasing costing about as much as tokenizing. A feed needs far less: an
 * element's lowercased name, its attributes, and its text.
 *
 * Why CDATA is lifted out of UTF-8 documents first (`treeFromUtf8`): bodies are most of a feed's bytes and
 * nearly always CDATA. The tokenizer walks CDATA one character at a time in JavaScript looking for `]]>`; a
 * native byte search finds the same ends, each body is decoded on its own (small strings are fast to make), and
 * the tokenizer sees only the feed's structure. This is safe in UTF-8 only: there, bytes below 0x80 are always
 * ASCII, so `<![CDATA[` and `]]>` cannot be the tails of other characters (in GBK and Big5 they can).
 *
 * Safety is htmlparser2's: it never processes a DTD, so internal entities (billion laughs) stay literal and
 * external entities (XXE) are never resolved; in XML mode only the five XML entities and numeric references are
 * decoded. Nothing here recurses on depth except `innerHtml`, which gives up on absurd nesting.
 */
import { Parser } from 'htmlparser2';
import { decodeChunks } from '../encoding/index.js';

export interface XElement {
  /** The qualified name as written (`content:encoded`). */
  name: string;
  /** The qualified name lowercased, used for every lookup. */
  lname: string;
  attribs: Record<string, string>;
  children: XChild[];
  parent: XElement | null;
  /** On the root only: some element below it declares a namespace (xmlns or xmlns:*). */
  nestedXmlns?: boolean;
}
export type XChild = XElement | string;

// C0 controls (but tab, newline, CR) are invalid in XML and break terminals and Markdown.
export const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/**
 * Deeper nesting than this is refused. Real feeds nest a few levels (XHTML bodies a few dozen); htmlparser2's
 * open-element stack costs O(depth) per tag, so 100,000 unclosed tags took seconds and a million would take
 * minutes. Refusing early turns that into one clear error.
 */
export const MAX_DEPTH = 2_000;

export class XmlTooDeep extends Error {}

/** An incremental tree builder: write decoded chunks in order, then `end()` for the root element (or null). */
export class XmlTree {
  private root: XElement | null = null;
  private current: XElement | null = null;
  private depth = 0;
  private inCdata = false;
  private readonly parser: Parser;

  /** `lifted`: CDATA bodies taken out of the text, which then holds a reference in their place (see above). */
  constructor(private readonly lifted: string[] = []) {
    this.parser = new Parser(
      {
        oncdatastart: () => {
          this.inCdata = true;
        },
        oncdataend: () => {
          this.inCdata = false;
        },
        onopentag: (name, attribs) => {
          const el: XElement = { name, lname: name.toLowerCase(), attribs, children: [], parent: this.current };
          if (this.current) {
            this.current.children.push(el);
            if (this.root && !this.root.nestedXmlns) {
              for (const k in attribs) {
                if (k.startsWith('xmlns')) {
                  this.root.nestedXmlns = true;
                  break;
                }
              }
            }
          } else if (!this.root) this.root = el;
          else return; // a second top-level element: not part of the feed
          if (++this.depth > MAX_DEPTH) throw new XmlTooDeep(`elements nested deeper than ${MAX_DEPTH}`);
          this.current = el;
        },
        onclosetag: () => {
          // htmlparser2 balances tags: one call per element it closes, implied closes included.
          if (this.current) {
            this.current = this.current.parent;
            this.depth--;
          }
        },
        ontext: (raw) => {
          const cur = this.current;
          if (!cur) return;
          const text = this.inCdata ? this.unlift(raw) : raw;
          const kids = cur.children;
          const last = kids.length - 1;
          if (last >= 0 && typeof kids[last] === 'string') kids[last] = (kids[last] as string) + text;
          else kids.push(text);
        },
      },
      { xmlMode: true },
    );
  }

  write(chunk: string): void {
    this.parser.write(chunk);
  }

  private unlift(text: string): string {
    if (text.charCodeAt(0) !== LIFT) return text;
    const k = Number(text.slice(1));
    return Number.isInteger(k) && k >= 0 && k < this.lifted.length ? this.lifted[k]! : text;
  }

  end(): XElement | null {
    this.parser.end();
    return this.root;
  }
}

/** Marks a lifted CDATA body: a private-use character, then the body's index. */
const LIFT = 0xe000;
const STREAM = { stream: true };
const MARKUP_DECL = Buffer.from('<!');
const CDATA_OPEN = Buffer.from('<![CDATA[');
const CDATA_CLOSE = Buffer.from(']]>');
const COMMENT_CLOSE = Buffer.from('-->');

/**
 * Build the tree of a UTF-8 document (BOM already removed): CDATA bodies are found with byte searches and
 * decoded one by one, the rest is decoded in pieces and tokenized. Comments are skipped over, so a `<![CDATA[`
 * inside one stays part of the comment; an unterminated CDATA or comment leaves the rest to the tokenizer.
 */
export function treeFromUtf8(bytes: Buffer): XElement | null {
  const td = new TextDecoder('utf-8', { ignoreBOM: true });
  const lifted: string[] = [];
  const tree = new XmlTree(lifted);
  let pos = 0;
  let from = 0;
  for (;;) {
    const i = bytes.indexOf(MARKUP_DECL, from);
    if (i < 0) break;
    if (bytes[i + 2] === 0x2d && bytes[i + 3] === 0x2d) {
      // <!-- … -->
      const end = bytes.indexOf(COMMENT_CLOSE, i + 4);
      if (end < 0) break;
      from = end + COMMENT_CLOSE.length;
    } else if (bytes.compare(CDATA_OPEN, 0, CDATA_OPEN.length, i, i + CDATA_OPEN.length) === 0) {
      const start = i + CDATA_OPEN.length;
      const end = bytes.indexOf(CDATA_CLOSE, start);
      if (end < 0) break;
      // stream: Node's TextDecoder is twice as fast in streaming mode (measured); pieces end on ASCII bytes.
      tree.write(td.decode(bytes.subarray(pos, start), STREAM) + String.fromCharCode(LIFT) + lifted.length);
      lifted.push(td.decode(bytes.subarray(start, end), STREAM));
      pos = end;
      from = end + CDATA_CLOSE.length;
    } else {
      from = i + 2; // <!DOCTYPE …> and the like: the tokenizer's business
    }
  }
  // The rest (and all of a document without CDATA), in pieces that split no character.
  tree.write(td.decode());
  for (const piece of decodeChunks(bytes.subarray(pos), { charset: 'utf-8', bomLength: 0 })) tree.write(piece);
  return tree.end();
}

/** The concatenated text of an element and its descendants (iterative: nesting depth is attacker-chosen). */
export function textOf(el: XElement): string {
  const kids = el.children;
  if (kids.length === 1 && typeof kids[0] === 'string') return kids[0];
  let out = '';
  const stack: XChild[] = [];
  for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  while (stack.length) {
    const n = stack.pop()!;
    if (typeof n === 'string') out += n;
    else for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

export function hasElementChildren(el: XElement): boolean {
  for (const c of el.children) if (typeof c !== 'string') return true;
  return false;
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * Inline XHTML children as HTML: namespace prefixes dropped (`xhtml:p` → `p`), text and attributes re-escaped
 * (the XML layer decoded them). Returns '' for markup nested deeper than the stack allows: an attack, not an article.
 */
export function innerHtml(el: XElement): string {
  try {
    return el.children.map(serialize).join('');
  } catch (err) {
    if (err instanceof RangeError) return '';
    throw err;
  }
}

function serialize(n: XChild): string {
  if (typeof n === 'string') return escText(n);
  const i = n.name.indexOf(':');
  const name = i >= 0 ? n.name.slice(i + 1) : n.name;
  let attrs = '';
  for (const [k, v] of Object.entries(n.attribs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    attrs += ` ${k}="${escAttr(v)}"`;
  }
  if (VOID.has(name.toLowerCase()) && n.children.length === 0) return `<${name}${attrs}>`;
  return `<${name}${attrs}>${n.children.map(serialize).join('')}</${name}>`;
}
