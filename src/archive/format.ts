/** The article file format of the original mirror (docs/ARCHIVE_FORMAT.md), written and read byte for byte. */
import { NewsmirrorError } from '../errors.js';
import type { ArticleFile } from '../types.js';

/**
 * A title as it appears inside `[...]`: one line, trimmed, with the characters that would end the link text
 * or open HTML backslash-escaped (CommonMark renders `\]` and `\<` literally).
 */
export function escapeTitle(title: string): string {
  return title
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\[\]<>]/g, (c) => `\\${c}`);
}

function unescapeTitle(s: string): string {
  return s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/**
 * The link as written between `(...)`: WHATWG href, with parentheses and white space percent-encoded so the
 * Markdown link cannot be cut short (a documented deviation from the original, which wrote them raw).
 */
export function markdownHref(link: string): string {
  let href: string;
  try {
    href = new URL(link).href;
  } catch {
    href = link.trim();
  }
  return href.replace(/[()\s<>]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** The exact bytes of an article file. */
export function renderArticleFile(a: ArticleFile): string {
  return `<!--${Math.trunc(a.published)}-->\n[${escapeTitle(a.title)}](${markdownHref(a.link)})\n------\n\n${a.body}\n`;
}

/** Read an article file; throws NewsmirrorError('corrupt_archive') naming `file` and what is wrong. */
export function parseArticleFile(text: string, file: string): ArticleFile {
  const fail = (why: string) => new NewsmirrorError('corrupt_archive', `${file}: ${why}`);
  const nl1 = text.indexOf('\n');
  const nl2 = nl1 < 0 ? -1 : text.indexOf('\n', nl1 + 1);
  if (nl1 < 0 || nl2 < 0) throw fail('not an article file (fewer than 3 lines)');
  const ts = /^<!--(\d+)-->/.exec(text.slice(0, nl1));
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

/**
 * HTML on one line, as the original wrote it: every line trimmed and joined. Where two words of a spaced
 * script meet at a join, one space is kept, so English text does not fuse ("foo\nbar" → "foo bar").
 */
export function flattenBody(html: string): string {
  const lines = html.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l.length > 0);
  let out = '';
  for (const l of lines) {
    if (out && /[A-Za-z0-9.,;:!?'")]$/.test(out) && /^[A-Za-z0-9("']/.test(l)) out += ' ';
    out += l;
  }
  return out;
}
