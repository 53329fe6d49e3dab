/** The mirror's own Atom 1.0 feeds: feeds/<abbr>.xml per site and feeds/all.xml, newest articles with full content. */
import path from 'node:path';
import { writeFileAtomic } from '../archive/index.js';
import type { RenderArticle, RenderOptions, RenderSource } from './types.js';

// Characters XML 1.0 does not allow, even escaped.
const ILLEGAL_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(s: string): string {
  return s.replace(ILLEGAL_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** Where the mirrored copy of an article is read: the website page (absolute when baseUrl is known). */
export function articleHref(a: RenderArticle, opts: RenderOptions, from: 'feeds' | 'site-root'): string {
  const page = `${a.site}/${a.id}.html`;
  if (opts.baseUrl) return `${opts.baseUrl}/${page}`;
  const siteRel = path.relative(opts.archive, opts.siteDir).split(path.sep).join('/') || '.';
  return from === 'feeds' ? `../${siteRel}/${page}` : page;
}

/** Local images are stored relative to the article file (../../assets/…); in a feed they need the site's copy. */
function feedBody(body: string, opts: RenderOptions): string {
  const prefix = opts.baseUrl ? `${opts.baseUrl}/_assets/` : '../assets/';
  return body.replace(/(\ssrc=")\.\.\/\.\.\/assets\//g, `$1${prefix}`);
}

function entry(a: RenderArticle, siteName: string, src: RenderSource, opts: RenderOptions): string {
  const href = articleHref(a, opts, 'feeds');
  return [
    '<entry>',
    `<title>${xmlEscape(a.title)}</title>`,
    `<id>urn:newsmirror:${xmlEscape(a.site)}:${a.id}</id>`,
    `<link rel="alternate" type="text/html" href="${xmlEscape(href)}"/>`,
    `<link rel="via" href="${xmlEscape(a.link)}"/>`,
    `<published>${iso(a.published)}</published>`,
    `<updated>${iso(a.published)}</updated>`,
    `<author><name>${xmlEscape(siteName)}</name></author>`,
    `<content type="html">${xmlEscape(feedBody(src.body(a.path), opts))}</content>`,
    '</entry>',
  ].join('\n');
}

function feed(id: string, title: string, selfName: string, items: { a: RenderArticle; siteName: string }[], src: RenderSource, opts: RenderOptions): string {
  // The feed's own time is its newest entry's: deterministic, no wall clock.
  const updated = items.length ? Math.max(...items.map((i) => i.a.published)) : 0;
  const self = opts.baseUrl ? `\n<link rel="self" href="${xmlEscape(`${opts.baseUrl}/feeds/${selfName}`)}"/>` : '';
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${xmlEscape(title)}</title>
<id>urn:newsmirror:feed:${xmlEscape(id)}</id>
<updated>${iso(updated)}</updated>${self}
<generator>newsmirror</generator>
${items.map((i) => entry(i.a, i.siteName, src, opts)).join('\n')}
</feed>
`;
}

/** Write feeds/<abbr>.xml and feeds/all.xml (newest `feedSize`, default 50); returns how many files changed. */
export async function renderFeeds(src: RenderSource, opts: RenderOptions): Promise<{ written: number }> {
  const size = opts.feedSize ?? 50;
  const dir = path.join(opts.archive, 'feeds');
  let written = 0;
  const all: { a: RenderArticle; siteName: string }[] = [];
  for (const site of src.sites) {
    const items = src.articles(site.abbr, size).map((a) => ({ a, siteName: site.name }));
    all.push(...items);
    if (items.length === 0) continue;
    if (await writeFileAtomic(path.join(dir, `${site.abbr}.xml`), feed(site.abbr, `${site.name} — newsmirror`, `${site.abbr}.xml`, items, src, opts))) written++;
  }
  // Newest first across sites; ties broken by site and id so the order never depends on timing.
  all.sort((x, y) => y.a.published - x.a.published || (x.a.site < y.a.site ? -1 : x.a.site > y.a.site ? 1 : x.a.id - y.a.id));
  if (await writeFileAtomic(path.join(dir, 'all.xml'), feed('all', opts.title ?? 'newsmirror', 'all.xml', all.slice(0, size), src, opts))) written++;
  return { written };
}
