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

/** Read an article file; throws NewsmirrorError('corrupt_archive') naming `file` and what is wrong. */
export function parseArticleFile(text: string, file: string): ArticleFile {
  const fail = (why: string) => new NewsmirrorError('corrupt_archive', `${file}: ${why}`);
  const nl1 = text.indexOf('\n');
  const nl2 = nl1 < 0 ? -1 : text.indexOf('\n', nl1 + 1);
  if (nl1 < 0 || nl2 < 0) throw fail('not an article file (fewer than 3 lines)');
  const ts = /^<!--(\d{1,16})-->/.exec(text.slice(0, nl1));
  if (!ts) throw fail('line 1 is not a <!--milliseconds--> timestamp');
  const line2 = text.slice(nl1 + 1, nl2);
  // Our own escaped form first; else the original's reader rule: the first `[...](` … `)`.
  const m = /^\[((?:\\.|[^\]\\])*)\]\((.*)\)\s*$/.exec(line2) ?? /^\[([\s\S]*?)\]\((.*)\)\s*$/.exec(line2);
  if (!m) throw fail('line 2 is not a [title](link)');
  const rest = text.slice(nl2 + 1);
  if (!rest.startsWith('------\n')) throw fail('line 3 is not ------');
  let body = rest.slice(7);
  if (body.startsWith('\n')) body = body.slice(1);
  if (body.endsWith('\n')) body = body.slice(0, -1);
  return { published: Number(ts[1]), title: unescapeTitle(m[1]!), link: m[2]!, body };
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
