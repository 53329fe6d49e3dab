/** What the render stage reads and how it is told where to write. */

export interface RenderArticle {
  id: number;
  /** Site abbr. */
  site: string;
  /** Archive-relative path of the article file. */
  path: string;
  title: string;
  link: string;
  published: number;
  /** sha256 of the article file; lets the site skip pages that did not change. */
  contentHash: string;
}

export interface RenderSource {
  sites: { name: string; abbr: string; feed: string }[];
  /** Newest first, at most `limit` (undefined = all). */
  articles(siteAbbr: string, limit?: number): RenderArticle[];
  /** How many articles the site has. */
  count(siteAbbr: string): number;
  /** Articles of every site published in [from, to) (ms), in any order. */
  between(from: number, to: number): RenderArticle[];
  /** The oldest and newest publication times of the archive, or null when it is empty. */
  span(): { oldest: number; newest: number } | null;
  /** Body HTML (cleaned, one line) of one article, by its archive-relative path. */
  body(path: string): string;
}

export interface RenderOptions {
  archive: string;
  /** Absolute folder of the website. */
  siteDir: string;
  /** Public URL where the website is served, or null (links are then relative). */
  baseUrl: string | null;
  /** Readers' time zone, minutes east of UTC (480 = GMT+8). */
  tzOffsetMinutes: number;
  /** Entries per feed (50). */
  feedSize?: number;
  /** Articles per list page (50). */
  pageSize?: number;
  /** Articles per search index file (500): a busy month is split into parts of this size. */
  searchPartSize?: number;
  title?: string;
}
