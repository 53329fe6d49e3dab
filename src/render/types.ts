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
  /** Newest first, at most `limit` (undefined = all), skipping the `offset` newest. */
  articles(siteAbbr: string, limit?: number, offset?: number): RenderArticle[];
  /** Up to `k` newer and `k` older neighbours of the article with the article itself, newest first. */
  around(siteAbbr: string, id: number, k: number): RenderArticle[];
  /** How many articles of the site are newer than `id` (its place in newest-first order). */
  rank(siteAbbr: string, id: number): number;
  /**
   * Articles written or changed since the website was rendered for `signature`, or null when it was not (never,
   * or with other templates, sites or time zone): everything is rendered then.
   */
  changes(signature: string): { site: string; id: number; published: number }[] | null;
  /** The website is rendered for `signature`; the changes are done. */
  rendered(signature: string): void;
  /** How many articles the site has. */
  count(siteAbbr: string): number;
  /** Articles of every site published in [from, to) (ms), in any order. */
  between(from: number, to: number): RenderArticle[];
  /** The oldest and newest publication times of the archive, or null when it is empty. */
  span(): { oldest: number; newest: number } | null;
  /** Body HTML (cleaned, one line) of one article, by its archive-relative path. */
  body(path: string): string;
  /** The story's history at the source (versions, deletion), or null when it has none (issue 13). */
  history?(siteAbbr: string, id: number): RenderHistory | null;
  /** Stories edited or removed at the source, newest event first, at most `limit`; `at` is the event's time. */
  changed?(kind: 'edited' | 'removed', limit: number): (RenderArticle & { at: number })[];
}

/** A story's history as pages show it: its versions oldest first (the last is the article), and its state. */
export interface RenderHistory {
  state: 'live' | 'suspect' | 'gone';
  /** When the deletion was first seen, while gone. */
  goneSince: number | null;
  /** `file`: archive-relative path of the version (a revisions/ file, or the article itself). */
  versions: { seen: number; file: string; title: string }[];
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
  title?: string;
  /** The daily digests page, relative to the website root (linked from every page's header), or null. */
  digestsHref?: string | null;
  /**
   * Render every page of the website, trusting nothing already there (default: only pages whose articles
   * changed since the last render, and everything when the templates, sites or a folder changed). Each write
   * still compares bytes first, so only missing or different pages are written: this restores pages deleted
   * or edited by hand.
   */
  all?: boolean;
  /**
   * Article pages only for the newest N articles of each site (default: every article), so the published website
   * stays under a host's size limit as the archive grows. Older articles are listed and found by search as
   * links to their Markdown; their pages are removed from the site folder (derived output: the record is
   * articles/).
   */
  pagesPerSite?: number;
  /** Where the Git host renders the archive's files (`https://github.com/OWNER/REPO/blob/main/`), or null: relative links to the Markdown. */
  sourceUrl?: string | null;
}
