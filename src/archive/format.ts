/** The article file format of the original mirror (docs/ARCHIVE_FORMAT.md), written and read byte for byte. */
import { NewsmirrorError } from '../errors.js';
import type { ArticleFile } from '../types.js';

/**
 * A title on one line: trimmed like the original (`/(^\s*|\s*$)/g`), and any run of white space that holds a
 * line break or a tab becomes one space (a newline would end line 2 of the file). Other spacing is kept, so
 * a title the original wrote re-renders to the same bytes.
 */
export function oneLineTitle(title: string): string {
  return title.replace(/\s*[\t\n\v\f\r\u0085\u2028\u2029]\s*/g, ' ').trim();
}

/**
 * A title as written inside `[...]` on line 2 of an article file: one line, with `\`, `[`, `]` and `<`
 * backslash-escaped so the link text cannot end early or open HTML. CommonMark shows `\[` as `[`, and the
 * line stays readable as plain text (no entities).
 */
export function escapeTitle(title: string): string {
  return oneLineTitle(title).replace(/[\\[\]<]/g, (c) => `\\${c}`);
}

/**
 * A title as written inside `[...]` in lists/ and README.md: brackets and backslashes escaped as in
 * escapeTitle, and `<` written as `&lt;` so no tag can reach the rendered page.
 */
export function escapeListTitle(title: string): string {
  return oneLineTitle(title).replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/</g, '&lt;');
}

/**
 * Undo escapeTitle. Only the characters newsmirror escapes (and `>`, escaped by earlier versions) are
 * unescaped, so a backslash the original wrote before any other character is kept as it was.
 */
function unescapeTitle(s: string): string {
  return s.replace(/\\([\\[\]<>])/g, '$1');
}

/** Percent-encode the characters that would cut a Markdown link destination short. */
function encodeLinkBreakers(s: string): string {
  return s.replace(/[()\s<>]/g, (c) => (c === '(' ? '%28' : c === ')' ? '%29' : encodeURIComponent(c)));
}

/**
 * The link as written between `(...)`: WHATWG `new URL(link).href` as in the original, then `(`, `)`, `<`,
 * `>` and white space percent-encoded so the Markdown link cannot be cut short (a documented deviation: the
 * original wrote them raw, which broke the link of any URL with a `)`). Not a URL: the trimmed input.
 */
export function markdownHref(link: string): string {
  let href: string;
  try {
    href = new URL(link.trim()).href;
  } catch {
    href = link.trim();
  }
  return encodeLinkBreakers(href);
}

/** Encode what would break a Markdown link destination in a relative path (spaces, parentheses, `<>`). */
export function linkPath(p: string): string {
  return encodeLinkBreakers(p);
}

/** File name of article `id` under articles/<folder>/ (the style newsmirror writes). */
export function articleFileName(id: number): string {
  return `${id}.md`;
}

/**
 * The exact bytes of an article file:
 * `<!--{published}-->\n[{title}]({link})\n------\n\n{body}\n`. Nothing else goes into the file; what
 * newsmirror knows beyond this (guid, hashes, fetch times) lives in the index.
 */
export function renderArticleFile(a: ArticleFile): string {
  return `<!--${Math.trunc(a.published)}-->\n[${escapeTitle(a.title)}](${markdownHref(a.link)})\n------\n\n${a.body}\n`;
}

/** An article file as read back: the format's fields, plus what lists need to re-render its entry as it was. */
export interface ReadArticle extends ArticleFile {
  /**
   * False for the original's early shape with no `<!--ms-->` line (its date is taken from the `日期：` line):
   * the original listed such a file without a date, and so does newsmirror.
   */
  stamped: boolean;
  /**
   * The title exactly as the file spells it between `[` and `](`, trimmed: what the original's generateList
   * put in a list line (`content.match(/\[([\s\S]*?)\]\(/)`, then strip). For a file newsmirror wrote this
   * is the escaped title, so the list line is safe Markdown too.
   */
  rawTitle: string;
}

/** The original's `strip`: `/(^\s*|\s*$)/g`, i.e. JavaScript's white space at both ends. */
export function strip(s: string): string {
  return s.trim();
}

// A title in newsmirror's escaped form: no unescaped `]`, ended by `](`. Tried before the original's lazy
// rule; the two differ only for a title holding `\]` (a backslash before a bracket), which newsmirror writes
// and the original never wrote (it wrote titles raw).
const ESCAPED_TITLE = /^\[((?:\\[\s\S]|[^\\\]])*)\]\(/;
const LAZY_TITLE = /^\[([\s\S]*?)\]\(/;
const STAMP = /^<!--(\d{1,16})-->/;
const DATE_LINE = /^日期：(.*)$/;

/**
 * Read an article file in any shape the original wrote (docs/ARCHIVE_FORMAT.md, "Shapes in the real archive"):
 * - `<!--ms-->` / `[title](link)` / `------` / empty / body (the current shape);
 * - no timestamp line: `[title](link)` / `------` / `日期：<RFC 822 date>` / empty / body, dated by the 日期 line;
 * - the timestamp line and the 日期 line both (the timestamp wins);
 * - a title that spans lines (the feed's title ended in newlines: `[title\n\n](link)`).
 * Throws NewsmirrorError('corrupt_archive') naming `file` and what is wrong. Only reads: never normalises.
 */
export function parseArticleFile(text: string, file: string): ReadArticle {
  const fail = (why: string) => new NewsmirrorError('corrupt_archive', `${file}: ${why}`);
  let pos = 0;
  let published: number | null = null;
  const nl1 = text.indexOf('\n');
  if (nl1 < 0 || text.indexOf('\n', nl1 + 1) < 0) throw fail('not an article file (fewer than 3 lines)');
  const ts = STAMP.exec(nl1 < 0 ? text : text.slice(0, nl1));
  if (ts) {
    published = Number(ts[1]);
    pos = nl1 + 1;
  } else if (!text.startsWith('[')) {
    throw fail(text.startsWith('<!--') ? 'line 1 is not a <!--milliseconds--> timestamp' : 'line 1 is neither a <!--milliseconds--> timestamp nor a [title](link)');
  }
  const head = text.slice(pos);
  const m = ESCAPED_TITLE.exec(head) ?? LAZY_TITLE.exec(head);
  if (!m) throw fail(`line ${ts ? 2 : 1} is not a [title](link)`);
  const raw = m[1]!;
  // The link is the rest of the line the title ends on, up to its last `)`.
  const afterTitle = pos + m[0].length;
  const eol = text.indexOf('\n', afterTitle);
  if (eol < 0) throw fail('not an article file (no ------ line)');
  const linkLine = /^(.*)\)[^\S\n]*$/.exec(text.slice(afterTitle, eol));
  if (!linkLine) throw fail('the [title](link) line does not end with )');
  let rest = text.slice(eol + 1);
  if (!rest.startsWith('------\n') && rest !== '------') throw fail('the line after [title](link) is not ------');
  rest = rest.slice(7);
  const dl = DATE_LINE.exec(rest.slice(0, rest.indexOf('\n') < 0 ? rest.length : rest.indexOf('\n')));
  if (dl) {
    rest = rest.slice(dl[0].length + 1);
    if (published === null) {
      const d = Date.parse(dl[1]!.trim());
      if (Number.isNaN(d)) throw fail(`日期 line "${dl[1]!.trim().slice(0, 40)}" is not a date`);
      published = d;
    }
  }
  if (published === null) throw fail('no <!--milliseconds--> timestamp and no 日期： line');
  let body = rest;
  if (body.startsWith('\n')) body = body.slice(1);
  if (body.endsWith('\n')) body = body.slice(0, -1);
  return { published, title: strip(unescapeTitle(raw)), link: linkLine[1]!, body, stamped: ts !== null, rawTitle: strip(raw) };
}

// Scripts written without spaces between words: a line break between two of their characters is no word
// boundary, so the original's plain join is right for them.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const WORD = /[\p{L}\p{N}\p{M}]/u;
const spacedWord = (c: string) => WORD.test(c) && !UNSPACED.test(c);

/**
 * HTML on one line, as the original wrote it: every line trimmed and the lines joined with nothing. One
 * deviation: where a line ends in a word character (or sentence punctuation) of a spaced script and the next
 * begins with one, they are joined with one space, so `foo\nbar` becomes `foo bar`, not `foobar`, while
 * Chinese text (and tag-to-tag joins) stays exactly as the original joined it.
 */
export function flattenBody(html: string): string {
  const lines = html.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l.length > 0);
  let out = '';
  for (const l of lines) {
    if (out) {
      const last = [...out.slice(-2)].pop()!;
      const first = String.fromCodePoint(l.codePointAt(0)!);
      if ((spacedWord(last) || /[.,;:!?'")]/.test(last)) && (spacedWord(first) || /["'(]/.test(first))) out += ' ';
    }
    out += l;
  }
  return out;
}
