/**
 * What readers see of a story's history at the source (issue 13): on its page, a notice — 原文已修改 / edited
 * at the source, with every version and a word-level diff between each and the next, or 原文已删除 / removed
 * at the source, with the date — and, for the whole mirror, pages and Atom feeds of the stories edited and
 * of those removed, newest first. Plain HTML: <ins>/<del> and <details>, no script.
 *
 * The diff is jsdiff's word diff over Intl.Segmenter words, so Chinese text (no spaces) is compared word by
 * word rather than as one "word" per sentence.
 */
import path from 'node:path';
import { diffArrays, diffWords } from 'diff';
import { decodeHTML } from 'entities';
import { writeFileAtomic } from '../archive/index.js';
import { articleHref, xmlEscape } from './feeds.js';
import type { RenderArticle, RenderHistory, RenderOptions, RenderSource } from './types.js';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function dateTime(ms: number, tz: number): string {
  return new Date(ms + tz * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Text of a one-line article body with its paragraphs kept as line breaks (what a diff is read against). */
export function paragraphText(html: string): string {
  return decodeHTML(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
      .replace(/<\/(?:p|div|li|h[1-6]|blockquote|figcaption|tr)>|<br\s*\/?>/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  )
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** A word-level diff of two texts as HTML: <del> what went, <ins> what came, line breaks kept. */
export function wordDiffHtml(before: string, after: string): string {
  const br = (s: string) => escapeHtml(s).replace(/\n/g, '<br>\n');
  return diffWords(before, after, { intlSegmenter: segmenter })
    .map((part) => (part.added ? `<ins>${br(part.value)}</ins>` : part.removed ? `<del>${br(part.value)}</del>` : br(part.value)))
    .join('');
}

/**
 * The diff of two article texts: paragraphs compared first, unchanged runs folded into one line (a long
 * article with one corrected figure shows that paragraph, not the whole story twice), changed runs word by word.
 */
export function textDiffHtml(before: string, after: string): string {
  const out: string[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    if (removed.length + added.length > 0) out.push(`<p>${wordDiffHtml(removed.join('\n'), added.join('\n'))}</p>`);
    removed = [];
    added = [];
  };
  for (const part of diffArrays(before.split('\n'), after.split('\n'))) {
    if (part.removed) removed.push(...part.value);
    else if (part.added) added.push(...part.value);
    else {
      flush();
      out.push(`<p class="meta">…… ${part.value.length} 段未变 unchanged paragraph${part.value.length > 1 ? 's' : ''} ……</p>`);
    }
  }
  flush();
  return out.join('');
}

const STYLE = '<style>.history ins{background:#2a24;text-decoration:none}.history del{background:#c334}p.notice{font-weight:600}.history h2{font-size:1.1rem}</style>';

/**
 * The notice above an article whose story has a history (removed at the source on <date>; edited, linking to
 * the versions below the article), or ''. Outside <article>, which holds only what the source published.
 */
export function historyNotice(h: RenderHistory | null, tz: number): string {
  if (!h) return '';
  const parts: string[] = [];
  if (h.state === 'gone' && h.goneSince !== null) {
    parts.push(`<p class="notice">原文已删除 / removed at the source on <time datetime="${new Date(h.goneSince).toISOString()}">${dateTime(h.goneSince, tz).slice(0, 10)}</time></p>`);
  }
  if (h.versions.length > 1) parts.push(`<p class="notice"><a href="#history">原文已修改 / edited at the source — ${h.versions.length} 个版本 versions</a></p>`);
  // On one line with the <article> that follows: the page's first line break after a paragraph stays the meta line's.
  return parts.length ? `${STYLE}${parts.join('')}` : '';
}

/** The versions of an edited story and the diff between each and the next, for below the article, or ''. */
export function historySection(h: RenderHistory | null, src: RenderSource, tz: number): string {
  if (!h) return '';
  const parts: string[] = [];
  const versions = h.versions;
  if (versions.length > 1) {
    parts.push(`<h2>原文已修改 / edited at the source — ${versions.length} 个版本 versions</h2>`, '<ol>');
    for (const [i, v] of versions.entries()) {
      parts.push(`<li><time datetime="${new Date(v.seen).toISOString()}">${dateTime(v.seen, tz)}</time> ${escapeHtml(v.title)}${i === versions.length - 1 ? ' <span class="meta">（当前 current）</span>' : ''}</li>`);
    }
    parts.push('</ol>');
    for (let i = 1; i < versions.length; i++) {
      const a = versions[i - 1]!;
      const b = versions[i]!;
      const title = a.title === b.title ? '' : `<p><strong>${wordDiffHtml(a.title, b.title)}</strong></p>`;
      const text = textDiffHtml(paragraphText(src.body(a.file)), paragraphText(src.body(b.file)));
      parts.push(
        `<details${i === versions.length - 1 ? ' open' : ''}><summary>${dateTime(a.seen, tz)} → ${dateTime(b.seen, tz)}</summary>${title}${text}</details>`,
      );
    }
  }
  if (parts.length === 0) return '';
  return `<section class="history" id="history">\n${parts.join('\n')}\n</section>\n`;
}

/** Links to the edited and removed pages, for the website's front page ('' when there are none). */
export function historyNav(src: RenderSource): string {
  if (!src.changed) return '';
  const edited = src.changed('edited', 1).length > 0;
  const removed = src.changed('removed', 1).length > 0;
  if (!edited && !removed) return '';
  const links = [edited ? '<a href="edited.html">原文已修改 Edited at the source</a>' : '', removed ? '<a href="removed.html">原文已删除 Removed at the source</a>' : ''];
  return `<p>${links.filter(Boolean).join(' · ')}</p>`;
}

/** Entries per history page and feed. */
const PAGE = 500;
const FEED = 50;

const KINDS = {
  edited: { file: 'edited', title: '原文已修改 Edited at the source', verb: '修改 edited' },
  removed: { file: 'removed', title: '原文已删除 Removed at the source', verb: '删除 removed' },
} as const;

/**
 * Write site/edited.html, site/removed.html, feeds/edited.xml and feeds/removed.xml, newest first. `page`
 * wraps a body in the website's layout. Returns how many files changed.
 */
export async function renderHistoryPages(
  src: RenderSource,
  opts: RenderOptions,
  page: (title: string, body: string) => string,
  /** An article's link from the site root (its page, or its Markdown once out of the website's window). */
  href: (a: RenderArticle) => string = (a) => `${a.site}/${a.id}.html`,
): Promise<{ written: number }> {
  if (!src.changed) return { written: 0 };
  const tz = opts.tzOffsetMinutes;
  const names = new Map(src.sites.map((s) => [s.abbr, s.name]));
  let written = 0;
  for (const kind of ['edited', 'removed'] as const) {
    const k = KINDS[kind];
    const all = src.changed(kind, PAGE);
    const items = all
      .map(
        (a) =>
          `<li><span class="date">${dateTime(a.at, tz).slice(0, 10)}</span><a href="${escapeHtml(href(a))}">${escapeHtml(a.title)}</a> <span class="meta">${escapeHtml(names.get(a.site) ?? a.site)}</span></li>`,
      )
      .join('\n');
    const body = `<h1>${escapeHtml(k.title)}</h1>\n<ul class="list">\n${items || '<li>（暂无 none yet）</li>'}\n</ul>`;
    if (await writeFileAtomic(path.join(opts.siteDir, `${k.file}.html`), page(k.title, body))) written++;
    const entries = all.slice(0, FEED).map((a) => entry(a, names.get(a.site) ?? a.site, k.verb, src, opts, href(a)));
    const updated = all.length ? new Date(Math.max(...all.map((a) => a.at))).toISOString().replace(/\.000Z$/, 'Z') : '1970-01-01T00:00:00Z';
    const self = opts.baseUrl ? `\n<link rel="self" href="${xmlEscape(`${opts.baseUrl}/feeds/${k.file}.xml`)}"/>` : '';
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${xmlEscape(`${k.title} — newsmirror`)}</title>
<id>urn:newsmirror:feed:${k.file}</id>
<updated>${updated}</updated>${self}
<generator>newsmirror</generator>
${entries.join('\n')}
</feed>
`;
    if (await writeFileAtomic(path.join(opts.archive, 'feeds', `${k.file}.xml`), xml)) written++;
  }
  return { written };
}

function entry(a: RenderArticle & { at: number }, siteName: string, verb: string, src: RenderSource, opts: RenderOptions, siteHref: string): string {
  const at = new Date(a.at).toISOString().replace(/\.000Z$/, 'Z');
  const note = `<p>原文已${verb} at the source, ${dateTime(a.at, opts.tzOffsetMinutes)}.</p>`;
  return [
    '<entry>',
    `<title>${xmlEscape(a.title)}</title>`,
    // One entry per event: a story edited again is a new entry.
    `<id>urn:newsmirror:${xmlEscape(a.site)}:${a.id}:${verb.split(' ')[1]}:${a.at}</id>`,
    // An article past the website's window links where the Git host shows its Markdown (an absolute URL).
    `<link rel="alternate" type="text/html" href="${xmlEscape(/^https?:\/\//i.test(siteHref) ? siteHref : articleHref(a, opts, 'feeds'))}"/>`,
    `<link rel="via" href="${xmlEscape(a.link)}"/>`,
    `<published>${new Date(a.published).toISOString().replace(/\.000Z$/, 'Z')}</published>`,
    `<updated>${at}</updated>`,
    `<author><name>${xmlEscape(siteName)}</name></author>`,
    `<content type="html">${xmlEscape(note + src.body(a.path))}</content>`,
    '</entry>',
  ].join('\n');
}
