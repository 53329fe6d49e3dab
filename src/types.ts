/**
 * The typed values that flow one way through the pipeline:
 * Config → (fetch) FetchOutcome → (parse) ParsedFeed → (clean/extract/images) cleaned items
 * → (identity) Decision → (archive) files on disk → (render) lists, README, feeds, site → (publish) git.
 *
 * Stages import from here and from `errors.ts`, never from each other's internals.
 */

/** How a site's full text is obtained (issue 3). */
export type FullTextMode = 'auto' | 'always' | 'never';
/** How a site's images are served to readers. */
export type ImageMode = 'proxy' | 'local' | 'none';

/** One mirrored site, validated once at the config boundary. */
export interface SiteConfig {
  /** Display name, used for lists/<name>.md. */
  name: string;
  /** Folder under articles/. */
  abbr: string;
  /** Feed URL (http/https). */
  feed: string;
  fullText: FullTextMode;
  /** CSS selector of the article container, when heuristics are not wanted. */
  selector: string | null;
  images: ImageMode;
  /**
   * How new articles get ids: 'sequential' (the smallest id of the site minus one) or 'wordpress'
   * (`0xFFFFF ^ <post id>` from a `?p=<id>` guid or link, as the original numbered CDT). Absent: sequential.
   */
  ids?: IdScheme;
  /** Mirror only items with a category matching `category` (the original's CDT filter). Absent: every item. */
  include?: { category: RegExp } | null;
}

export type IdScheme = 'sequential' | 'wordpress';

/** Politeness and safety limits shared by every HTTP request newsmirror makes. */
export interface FetchPolicy {
  /** Requests in flight at once, across all hosts. */
  concurrency: number;
  /** Requests in flight at once to one host. */
  perHost: number;
  connectTimeoutMs: number;
  /** Whole request, headers and body. */
  timeoutMs: number;
  /** Largest body accepted, after decompression. */
  maxBytes: number;
  maxRedirects: number;
  /** Retries after the first attempt (network errors, 5xx, 429). */
  retries: number;
  /** First backoff delay; doubles each retry, with jitter. */
  retryBaseMs: number;
  /** Longest Retry-After honoured; longer means the site fails this run. */
  maxRetryAfterMs: number;
  userAgent: string;
  /** Allow fetching loopback/private/link-local addresses for untrusted links (tests and the demo). */
  allowPrivateNetworks: boolean;
  /** Host names (exactly as written in URLs) exempt from the private-network guard, e.g. an intranet image host. */
  allowedPrivateHosts: string[];
}

export interface Config {
  /** Absolute path of the config file, or null for the built-in default. */
  configPath: string | null;
  /** Absolute archive root (articles/, lists/, README.md, .newsmirror/). */
  archive: string;
  /** Image proxy template with `{url}`, or null for "none". */
  imageProxy: string | null;
  /** Entries per lists/<name>.md. */
  listSize: number;
  /** Default timezone offset for list dates, minutes east of UTC (GMT+8 = 480). */
  tzOffsetMinutes: number;
  fetch: FetchPolicy;
  sites: SiteConfig[];
  /** Static site output folder, relative to the archive unless absolute (issue 4). */
  siteDir: string;
  /** Daily digests: absolute output folder (default <siteDir>/digests) and the largest image carried inside one. */
  digests: { dir: string; imageMaxBytes: number };
  /** Public base URL of the mirror (for absolute links in the mirror's feeds), or null. */
  baseUrl: string | null;
  /**
   * Website layout (issue 15): article pages for the newest `perSite` articles of each site; older ones are
   * linked to `sourceUrl` + their Markdown path (the Git host's rendering), or to the Markdown file relatively.
   */
  sitePages: { perSite: number; sourceUrl: string | null };
  /** branch: the archive's (articles, lists, README); siteBranch: the website's and feeds' one-commit branch. */
  publish: { remote: string; branch: string; siteBranch: string };
  /** Re-checks of stored articles at their source (issue 13); default: the recheck stage's DEFAULT_RECHECK. */
  recheck?: RecheckPolicy;
}

/** How many stored articles a run re-checks, and when after first seen (ms offsets, ascending). */
export interface RecheckPolicy {
  perRun: number;
  scheduleMs: number[];
}

// ---------------------------------------------------------------- fetch

/** HTTP validators remembered between runs for conditional GET. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchOutcome =
  | {
      kind: 'fetched';
      /** Final URL after redirects. */
      url: string;
      status: number;
      contentType: string | null;
      /** Decompressed body bytes (never more than the size cap). */
      body: Buffer;
      validators: Validators;
    }
  | { kind: 'not-modified'; url: string; validators: Validators };

export interface FetchRequest {
  url: string;
  /** Sent as If-None-Match / If-Modified-Since. */
  validators?: Validators | null;
  accept?: string;
  /** Overrides the policy's size cap for this request. */
  maxBytes?: number;
  /** True for URLs taken from feed content (articles, images): apply the private-network guard. */
  untrusted?: boolean;
  signal?: AbortSignal;
}

/** The one HTTP client of a run: it owns the global and per-host limits. */
export interface Fetcher {
  /** Fetch one URL; throws NewsmirrorError (timeout, http_status, too_large, private_network, network …). */
  fetch(req: FetchRequest): Promise<FetchOutcome>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- parse

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

/** One item as the feed states it; URLs absolute, HTML still raw (uncleaned). */
export interface FeedItem {
  guid: string | null;
  title: string | null;
  link: string | null;
  published: Date | null;
  updated: Date | null;
  author: string | null;
  /** Fullest body the item has: content:encoded, Atom content, content_html, else description/summary. */
  contentHtml: string | null;
  /** The short form when the item has both a summary and a full body, else null. */
  summary: string | null;
  /** Base for relative URLs inside the body (xml:base of the content, else the item link). */
  baseUrl?: string | null;
  /** The item's categories (RSS `<category>`, Atom `category@term`, JSON Feed `tags`), as the feed spells them. */
  categories?: string[];
}

export interface ParsedFeed {
  format: FeedFormat;
  title: string | null;
  link: string | null;
  items: FeedItem[];
}

// ---------------------------------------------------------------- archive

/** An article as stored in one archive file (the only fields the format keeps). */
export interface ArticleFile {
  /** Publication time, epoch milliseconds. */
  published: number;
  title: string;
  link: string;
  /** One-line HTML body. */
  body: string;
}

/** What the index knows of one stored article. */
export interface ArticleRecord {
  /** Site abbr (folder under articles/ for articles newsmirror writes). */
  site: string;
  id: number;
  /** Path of the file relative to the archive root, with `/` separators. */
  path: string;
  guid: string | null;
  link: string;
  canonicalLink: string;
  title: string;
  normTitle: string;
  published: number;
  /** sha256 of the rendered file bytes; empty while the write is pending (id reserved, file not yet renamed). */
  contentHash: string;
  /** sha256 of the feed item as last seen, so an unchanged item costs no cleaning on the next run. */
  sourceHash?: string | null;
  firstSeen: number;
  updatedAt: number;
  /** The title as the file spells it between `[` and `](` (its list line's title); null: derive from `title`. */
  listTitle?: string | null;
  /** The file has no `<!--ms-->` line (the original's early shape): its list line carries no date. */
  undated?: boolean;
}

// ---------------------------------------------------------------- report

export type SiteStatus = 'ok' | 'not-modified' | 'failed';

export interface SiteReport {
  name: string;
  abbr: string;
  feed: string;
  status: SiteStatus;
  /** Stable error code when failed (see errors.ts). */
  errorCode: string | null;
  /** One-line reason when failed. */
  error: string | null;
  items: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Items skipped as duplicates of a story seen earlier in the same feed. */
  duplicates: number;
  /** Items that cannot be archived (no link to identify them), with the reasons in `notes`. */
  skipped: number;
  /** One-line notes on items that were skipped or fell back (at most a few per site). */
  notes: string[];
  fullText: { fetched: number; cached: number; fallback: number; reasons: Record<string, number> };
  images: { stored: number; reused: number; failed: number; bytes: number };
  ms: number;
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  archive: string;
  sites: SiteReport[];
  totals: { sites: number; failed: number; new: number; updated: number; unchanged: number };
  /** Folders under articles/ with articles of sites the config does not list: kept, but in no list, README or page. */
  unlisted?: UnlistedSite[];  /** The run's share of re-checks of stored articles (issue 13), when it made any. */
  recheck?: RecheckReport;
}

/** What a re-check found (see the recheck stage). */
export type RecheckOutcome = 'unchanged' | 'edited' | 'suspected' | 'gone' | 'back' | 'unreachable' | 'skipped';

export interface RecheckReport {
  startedAt: string;
  finishedAt: string;
  /** Articles due for a check now (before the limit). */
  due: number;
  checked: number;
  /** Articles per outcome; every outcome is present. */
  outcomes: Record<RecheckOutcome, number>;
  /** Articles whose record changed (a version, a suspicion, a deletion, a return). */
  changed: number;
  /** One line per article that was not unchanged (at most 50). */
  notes: string[];
  ms: number;
}

export interface UnlistedSite {
  folder: string;
  articles: number;
}
