/**
 * The website's window (issue 15): article pages for the newest `pagesPerSite` articles of each site only, so
 * the published site stays under a host's size limit (GitHub Pages: 1 GB) however long the archive grows. An
 * article past the window is linked to its Markdown where the Git host renders it (`sourceUrl` + its path), or
 * to the Markdown file relatively; its page is removed from the site folder, which is derived output (the
 * record is articles/).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RenderArticle, RenderOptions, RenderSource } from './types.js';

type Ref = { site: string; id: number };

export interface PageWindow {
  /** Pages per site (Infinity: every article has one). */
  perSite: number;
  /** What the window's links depend on, for the website's render signature ([] without a window). */
  signature: unknown[];
  /** Whether the article has a page. */
  has(a: Ref): boolean;
  /** The window's ids of a site. */
  ids(abbr: string): Set<number>;
  /** The article's link from a page at `root` (a relative prefix to the site root): `local`, or its Markdown. */
  link(a: Pick<RenderArticle, 'site' | 'id' | 'path'>, root: string, local: string): string;
  /** Ids of the article pages in the site's folder. */
  onDisk(abbr: string): Set<number>;
  /** The site's article pages outside the window (their links change): to remove once search links them anew. */
  outside(abbr: string): Ref[];
  /** Remove these articles' pages. */
  remove(refs: Ref[]): void;
}

export function pageWindow(src: RenderSource, opts: RenderOptions): PageWindow {
  const perSite = opts.pagesPerSite ?? Infinity;
  const sourceUrl = opts.sourceUrl ?? null;
  const toArchive = path.relative(opts.siteDir, opts.archive).split(path.sep).join('/');
  const windows = new Map<string, Set<number>>();
  const ids = (abbr: string) => {
    let w = windows.get(abbr);
    if (!w) windows.set(abbr, (w = new Set(perSite === Infinity ? [] : src.articles(abbr, perSite).map((x) => x.id))));
    return w;
  };
  const has = (a: Ref) => perSite === Infinity || ids(a.site).has(a.id);
  const onDisk = (abbr: string) => {
    const out = new Set<number>();
    const d = path.join(opts.siteDir, abbr);
    for (const f of existsSync(d) ? readdirSync(d) : []) {
      const m = /^(\d+)\.html$/.exec(f);
      if (m) out.add(Number(m[1]));
    }
    return out;
  };
  return {
    perSite,
    signature: perSite === Infinity ? [] : [perSite, sourceUrl, toArchive],
    has,
    ids,
    link(a, root, local) {
      if (has(a)) return local;
      const rel = a.path.split('/').map(encodeURIComponent).join('/');
      return sourceUrl ? sourceUrl + rel : `${root}${toArchive ? `${toArchive}/` : ''}${rel}`;
    },
    onDisk,
    outside(abbr) {
      if (perSite === Infinity) return [];
      return [...onDisk(abbr)].filter((id) => !has({ site: abbr, id })).map((id) => ({ site: abbr, id }));
    },
    remove(refs) {
      for (const r of refs) rmSync(path.join(opts.siteDir, r.site, `${r.id}.html`), { force: true });
    },
  };
}
