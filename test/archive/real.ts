/** The real archive sample (test/fixtures/real-archive), copied whole with its newline-named files, and feeds made of it. */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArticleFile, type ReadArticle } from '../../src/archive/index.js';
import { FIXTURES, tempDir } from './helpers.js';

export const REAL = path.join(FIXTURES, 'real-archive');
export const REAL_EXCLUDED = path.join(FIXTURES, 'real-archive-excluded');

/**
 * A fresh copy of the sample at `<tmp>/archive`, with the two files whose real names hold newlines created
 * under those names (the fixture stores them with `%0A`, as no checkout keeps such names).
 */
export function copyReal(): string {
  const root = path.join(tempDir(), 'archive');
  cpSync(REAL, root, { recursive: true });
  for (const folder of readdirSync(REAL_EXCLUDED)) {
    for (const name of readdirSync(path.join(REAL_EXCLUDED, folder))) {
      writeFileSync(path.join(root, 'articles', folder, decodeURIComponent(name)), readFileSync(path.join(REAL_EXCLUDED, folder, name)));
    }
  }
  return root;
}

/** Every article file of `folder` in the copy, in name order, parsed. */
export function articlesOf(root: string, folder: string): { name: string; rel: string; a: ReadArticle; bytes: Buffer }[] {
  const dir = path.join(root, 'articles', folder);
  return readdirSync(dir)
    .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    .map((name) => {
      const bytes = readFileSync(path.join(dir, name));
      return { name, rel: `articles/${folder}/${name}`, a: parseArticleFile(bytes.toString('utf8'), name), bytes };
    });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface FeedEntry {
  title: string;
  link: string;
  guid?: string;
  published: number;
  body: string;
  categories?: string[];
}

/** An RSS 2.0 feed as feedx and WordPress serve them: content:encoded bodies, categories, RFC 822 dates. */
export function feed(title: string, entries: FeedEntry[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>${esc(title)}</title><link>https://news.example/</link><description>${esc(title)}</description>
${entries
  .map(
    (e) =>
      `<item><title>${esc(e.title)}</title><link>${esc(e.link)}</link>${e.guid ? `<guid isPermaLink="false">${esc(e.guid)}</guid>` : ''}<pubDate>${new Date(e.published).toUTCString()}</pubDate>${(e.categories ?? []).map((c) => `<category><![CDATA[${c}]]></category>`).join('')}<content:encoded><![CDATA[${e.body}]]></content:encoded></item>`,
  )
  .join('\n')}
</channel></rss>
`;
}

/** A stored article served again as it is (optionally with another title or link). */
export function again(a: ReadArticle, over: Partial<FeedEntry> = {}): FeedEntry {
  return { title: a.title, link: a.link, published: a.published, body: a.body, ...over };
}

/** The list lines (entries) of a list file: each `[M-D ][title](/articles/…)`. */
export function listLines(text: string): string[] {
  const body = text.replace(/\n\n\[查看更多\]\([^)\n]*\)$/, '');
  return body
    .split('\n------\n\n')[1]!
    .split(/\n\n(?=(?:\d{1,2}-\d{1,2} )?\[)/)
    .map((l) => l.replace(/\n+$/, ''))
    .filter((l) => l.length > 0);
}
