/**
 * Test helper: find anything executable in stored HTML, with a real HTML parser (htmlparser2's DOM, which
 * decodes entities the way a browser does), never a regex over the raw text.
 */
import type { Element } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';

const ALLOWED = new Set([
  'p', 'br', 'hr', 'a', 'img', 'figure', 'figcaption', 'div', 'span', 'small', 'i', 'em', 'b', 'strong', 'u', 's',
  'sub', 'sup', 'blockquote', 'q', 'cite', 'code', 'pre', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3',
  'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'abbr', 'time', 'mark', 'del', 'ins',
]);
const URL_ATTRS = ['href', 'src', 'srcset', 'action', 'formaction', 'poster', 'background', 'cite', 'data', 'xlink:href', 'lowsrc', 'dynsrc'];

/** The scheme a browser would see: controls and white space removed, lowercased. */
function scheme(url: string): string | null {
  const u = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const m = /^([a-z][a-z0-9+.-]*):/.exec(u);
  return m ? m[1]! : null;
}

/** One line per executable vector found in `html` (empty when safe). */
export function findExecutableVectors(html: string): string[] {
  const found: string[] = [];
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseAttributeNames: true, lowerCaseTags: true });
  const all = DomUtils.findAll(() => true, doc.children) as Element[];
  for (const el of all) {
    if (!ALLOWED.has(el.name)) found.push(`element <${el.name}>`);
    for (const [name, value] of Object.entries(el.attribs)) {
      if (name.startsWith('on')) found.push(`handler ${name} on <${el.name}>`);
      if (name === 'srcdoc' || name === 'formaction' || name === 'action') found.push(`attribute ${name}`);
      if (URL_ATTRS.includes(name)) {
        const urls = name === 'srcset' ? value.split(',').map((p) => p.trim().split(/\s+/)[0] ?? '') : [value];
        for (const u of urls) {
          const s = scheme(u);
          if (s !== null && !['http', 'https', 'mailto'].includes(s)) found.push(`${name}="${u.slice(0, 60)}" (${s}:)`);
        }
      }
      if (name === 'style' && /expression|url\s*\(|javascript|behavior|-moz-binding|@import/i.test(value.replace(/\\|\/\*.*?\*\//g, ''))) found.push(`style="${value.slice(0, 60)}"`);
    }
  }
  return found;
}
