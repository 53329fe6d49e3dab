/**
 * The orchestrator: the one place that knows the order of the stages for a run, and why.
 *
 *   lock → index (import an existing archive the index has not seen) → per site, concurrently:
 *   fetch (conditional GET) → parse → per item: redact (title, guid, link) → identity: newest per story in the
 *   feed, then a stored match by keys → [full text] → clean → redact (body) → identity: a stored match by text,
 *   else a new id → [local images] → revisions (a reader-visible change keeps the previous version first)
 *   → archive write (slices) → revisions (older versions from the same feed)
 *   → after every site: recheck (a bounded share of stored articles) → lists → README → feeds + website
 *   → digests (yesterday's and today's)
 *
 * Invariants:
 * - One site's failure never stops or corrupts the others: every site runs inside its own try/catch and
 *   writes only its own files; lists/README are rendered from the index after all sites are done.
 * - The sanitizer runs after full-text extraction and before images are stored, so that every byte that
 *   reaches the archive went through it, whatever its source.
 * - A site's articles are committed in slices of 50: ids reserved in the index first, files written atomically,
 *   hashes recorded last. A run killed in between leaves reserved ids whose stories the next run writes in
 *   place (same ids), never a second copy and never a partial file.
 * - A run that finds nothing new writes nothing: outputs carry the index generation they were rendered
 *   for, and every write compares bytes first.
 * - Conditional-GET validators are remembered only after the feed was processed, so a feed that failed
 *   to parse is fetched in full next time.
 * - Redaction (redactions.yaml) runs on what enters the archive, never on outputs: an item's title, guid and
 *   link before identity (so the keys the index stores and probes are the redacted ones, and a story the
 *   source keeps sending is found again, or skipped when it was removed), its body right after clean (so the
 *   text is whole, entities decoded, whatever the source: feed, full-text page, a recheck), and full-text pages
 *   before they are cached. Every output (lists, README, feeds, website, search index, digests) is rendered from
 *   the archive, so none can hold a redacted text. Any new source of stored text must pass through the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  acquireRunLock,
  flattenBody,
  importArchive,
  parseArticleFile,
  removeTempFiles,
  renderArticleFile,
  foreignEntries,
  listShape,
  renderList,
  updateReadme,
  writeFilesAtomic,
} from '../archive/index.js';
import { cleanHtml, htmlToText, safeTitle } from '../clean/index.js';
import { outputLinks } from '../config/index.js';
import { daysBetween, digestOptions, recentDays, writeDigests } from '../digest/index.js';
import { errorMessage, isNewsmirrorError } from '../errors.js';
import { createSqlitePageCache, extractFullText, needsFullText, type PageCache } from '../extract/index.js';
import { createFetcher } from '../fetch/index.js';
import { allocateId, ArchiveIndex, canonicalLink, matchStoredStory, newestPerStory, normalizeTitle, sameAsStored, versionTime, type FeedStory, type IdPlan, type ReadStored } from '../identity/index.js';
import { createSqliteImageStore, storeImages, type ImageStore } from '../images/index.js';
import { parseFeed } from '../parse/index.js';
import { loadRedactions, type Redactions } from '../redact/index.js';
import { recheckArticles } from '../recheck/index.js';
import { renderFeeds, renderSite, type RenderSource } from '../render/index.js';
import { changedStories, histories, importRevisions, keepOlderVersions, listMark, readHistory, reviseArticle } from '../revisions/index.js';
import type { ArticleRecord, Config, FeedItem, Fetcher, ParsedFeed, RecheckReport, RunReport, SiteConfig, SiteReport, UnlistedSite, Validators } from '../types.js';

export interface RunOptions {
  /** The HTTP client to use (default: one built from config.fetch, closed at the end). */
  fetcher?: Fetcher;
  /** The sites to fetch (a shard); default every configured site. */
  sites?: SiteConfig[];
  /** Also write the mirror's feeds and website (default true). Outputs are rendered only when stale. */
  render?: boolean;
  /** Clock, for tests of first-seen and future-date clamping. */
  now?: () => number;
  onProgress?: (event: ProgressEvent) => void;
  /** How long to wait for another run's lock before giving up (default 10 s). */
  lockWaitMs?: number;
  /** Re-check stored articles after the feeds (default true; at most config.recheck.perRun of them). */
  recheck?: boolean;
  /** Overrides config.recheck.perRun (`newsmirror recheck` checks every due article). */
  recheckLimit?: number;
}

export type ProgressEvent =
  | { type: 'start'; sites: number }
  | { type: 'site-done'; site: SiteConfig; report: SiteReport };

const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';

/** Run the mirror once over the configured sites and return the report. Throws only for run-wide failures (lock, archive I/O). */
export async function runMirror(config: Config, opts: RunOptions = {}): Promise<RunReport> {
  const startedAt = new Date();
  const now = opts.now ?? Date.now;
  await mkdir(path.join(config.archive, '.newsmirror'), { recursive: true });
  const lock = await acquireRunLock(config.archive, { waitMs: opts.lockWaitMs ?? 10_000 });
  const index = ArchiveIndex.open(config.archive);
  const fetcher = opts.fetcher ?? createFetcher(config.fetch);
  try {
    await markInProgress(config);
    await ensureImported(config, index);
    const ctx = siteContext(config, index, fetcher, now);
    const redactions = ctx.redactions;
    const sites = opts.sites ?? config.sites;
    opts.onProgress?.({ type: 'start', sites: sites.length });
    // Sites run concurrently; the fetcher's global and per-host limits are what bound the load.
    const reports = await Promise.all(
      sites.map(async (site) => {
        const report = await runSite(ctx, site);
        // Notes quote titles and the URLs pages were fetched from, and go into logs and the last report.
        report.notes = report.notes.map((n) => redactions.url(n));
        opts.onProgress?.({ type: 'site-done', site, report });
        return report;
      }),
    );
    // After the feeds (whose edits come first and cost nothing extra), a bounded share of re-checks.
    const recheck = opts.recheck === false ? null : await recheckShare(ctx, sites, opts.recheckLimit);
    if (opts.sites !== undefined && opts.sites.length < config.sites.length) {
      // A shard owns only its sites' files: the README, feeds and site span every site and other shards write
      // their lists; `newsmirror render` rebuilds the whole picture after the shards (docs/DEPLOY.md).
      await renderOutputs(config, index, { sites: opts.sites, lists: true, readme: false, feedsAndSite: false, links: false });
    } else {
      await renderIfStale(config, index, opts.render ?? true, now());
    }
    return { ...summarize(config, startedAt, reports), unlisted: unlistedSites(config, index), ...(recheck ? { recheck } : {}) };
  } finally {
    if (!opts.fetcher) await fetcher.close();
    index.close();
    rmSync(path.join(config.archive, '.newsmirror', 'run-in-progress'), { force: true });
    await lock.release();
  }
}

/**
 * Rebuild lists, README, feeds and website from the index and files, without fetching. `all`: every website
 * page, not only those whose articles changed (see RenderOptions.all).
 */
export async function renderArchive(
  config: Config,
  opts: { feedsAndSite?: boolean; all?: boolean } = {},
): Promise<{ written: number; unlisted: UnlistedSite[]; readmeWithoutBlock: boolean }> {
  await mkdir(path.join(config.archive, '.newsmirror'), { recursive: true });
  const lock = await acquireRunLock(config.archive, { waitMs: 10_000 });
  const index = ArchiveIndex.open(config.archive);
  try {
    await ensureImported(config, index);
    // An index older than redactions.yaml would render redacted titles back into the lists.
    loadRedactions(config.archive).sync(index);
    const site = opts.feedsAndSite ?? true;
    const r = await renderOutputs(config, index, { lists: true, readme: true, feedsAndSite: site, links: site, allPages: opts.all === true });
    return { ...r, unlisted: unlistedSites(config, index) };
  } finally {
    index.close();
    await lock.release();
  }
}

/**
 * `newsmirror recheck`: re-check every stored article that is due (or at most `limit`), under the run lock,
 * then refresh what readers see. The same stage a run gives its bounded share to (see recheckShare).
 */
export async function recheckMirror(config: Config, opts: { now?: () => number; fetcher?: Fetcher; limit?: number; render?: boolean } = {}): Promise<RecheckReport> {
  await mkdir(path.join(config.archive, '.newsmirror'), { recursive: true });
  const lock = await acquireRunLock(config.archive, { waitMs: 10_000 });
  const index = ArchiveIndex.open(config.archive);
  const fetcher = opts.fetcher ?? createFetcher(config.fetch);
  try {
    await markInProgress(config);
    await ensureImported(config, index);
    const ctx = siteContext(config, index, fetcher, opts.now ?? Date.now);
    const report = await recheckShare(ctx, config.sites, opts.limit ?? Number.POSITIVE_INFINITY);
    await renderIfStale(config, index, opts.render ?? true, ctx.now());
    return report;
  } finally {
    if (!opts.fetcher) await fetcher.close();
    index.close();
    rmSync(path.join(config.archive, '.newsmirror', 'run-in-progress'), { force: true });
    await lock.release();
  }
}

/**
 * What a run's sites and its recheck share work with. The takedown rules come first: an index that has not
 * seen them (restored from an older CI cache) is brought up to them before anything reads it, and ids of
 * removed stories stay taken, also in an index rebuilt from the files.
 */
function siteContext(config: Config, index: ArchiveIndex, fetcher: Fetcher, now: () => number): SiteContext {
  const redactions = loadRedactions(config.archive);
  redactions.sync(index);
  for (const r of redactions.removedIds()) index.reserveId(r.site, r.id, r.path);
  return {
    config,
    index,
    fetcher,
    now,
    pageCache: redactions.pageCache(createSqlitePageCache(index.db)),
    imageStore: createSqliteImageStore(index.db),
    redactions,
  };
}

/**
 * A run (or recheck) that was killed leaves its marker: holding the lock, its temp files are garbage (their
 * renames never happened). Scanning only then keeps a normal run's cost independent of the archive's size.
 */
async function markInProgress(config: Config): Promise<void> {
  const marker = path.join(config.archive, '.newsmirror', 'run-in-progress');
  if (existsSync(marker)) await removeTempFiles(config.archive);
  writeFileSync(marker, String(process.pid));
}

/** Re-check stored articles of `sites` with the run's fetcher; what it changes makes a new generation to render. */
async function recheckShare(ctx: SiteContext, sites: SiteConfig[], limit?: number): Promise<RecheckReport> {
  const report = await recheckArticles({
    archive: ctx.config.archive,
    index: ctx.index,
    fetcher: ctx.fetcher,
    now: ctx.now(),
    sites,
    imageProxy: ctx.config.imageProxy,
    // Unset: the recheck stage's DEFAULT_RECHECK, and at most its perRun articles.
    policy: ctx.config.recheck,
    limit,
    pageCache: ctx.pageCache,
    // A page says what the feed said: a takedown applies to it before it is compared or kept.
    redact: ctx.redactions,
  });
  if (report.changed > 0) bumpGeneration(ctx.index);
  return report;
}

/** A new generation: lists, README, feeds and site must be rendered again (see renderIfStale). */
function bumpGeneration(index: ArchiveIndex): void {
  index.setMeta('generation', String(Number(index.getMeta('generation') ?? '0') + 1));
}

interface SiteContext {
  config: Config;
  index: ArchiveIndex;
  fetcher: Fetcher;
  now: () => number;
  pageCache: PageCache;
  imageStore: ImageStore;
  redactions: Redactions;
}

/** A feed item reduced to what identity and the archive need. */
interface Candidate extends FeedStory {
  title: string;
  sourceHash: string;
}

function emptyReport(site: SiteConfig): SiteReport {
  return {
    name: site.name,
    abbr: site.abbr,
    feed: site.feed,
    status: 'ok',
    errorCode: null,
    error: null,
    items: 0,
    new: 0,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    skipped: 0,
    notes: [],
    fullText: { fetched: 0, cached: 0, fallback: 0, reasons: {} },
    images: { stored: 0, reused: 0, failed: 0, bytes: 0 },
    ms: 0,
  };
}

async function runSite(ctx: SiteContext, site: SiteConfig): Promise<SiteReport> {
  const t0 = performance.now();
  const report = emptyReport(site);
  try {
    const got = await fetchFeed(ctx, site);
    if (got === null) {
      // 304: nothing to parse; the feed is as it was.
      report.status = 'not-modified';
    } else {
      const { feed, validators } = got;
      report.items = feed.items.length;
      const candidates = toCandidates(ctx, site, feed.items, report);
      // Oldest first: each new story takes the next smaller id, so newer stories sort first, as in the original.
      candidates.sort((a, b) => a.published - b.published);
      const batch: Batch = { writes: [], touches: [], nextId: null, folder: null, taken: new Set() };
      for (const c of candidates) {
        await yieldToIo();
        await prepareItem(ctx, site, c, report, batch);
        // Commit in slices: every site runs at once and their fsyncs queue up; a slice bounds what a site holds
        // while it waits on the disk (a whole feed of rendered articles otherwise).
        if (batch.writes.length >= COMMIT_SLICE) await commitBatch(ctx, batch, report);
      }
      await commitBatch(ctx, batch, report);
      for (const c of candidates) if (c.superseded.length > 0) await keepFeedVersions(ctx, site, c);
      ctx.index.setValidators(site.feed, validators);
    }
  } catch (err) {
    report.status = 'failed';
    report.errorCode = isNewsmirrorError(err) ? err.code : 'internal';
    report.error = errorMessage(err);
  }
  report.ms = Math.round(performance.now() - t0);
  return report;
}

/**
 * Fetch and parse a site's feed; null when it is not modified. The response body does not outlive this
 * function: every site runs at once, and nine feed bodies held through processing were ~16 MB for nothing.
 */
async function fetchFeed(ctx: SiteContext, site: SiteConfig): Promise<{ feed: ParsedFeed; validators: Validators } | null> {
  const outcome = await ctx.fetcher.fetch({ url: site.feed, validators: ctx.index.getValidators(site.feed), accept: FEED_ACCEPT });
  if (outcome.kind === 'not-modified') return null;
  await yieldToIo();
  return { feed: parseFeed(outcome.body, { url: outcome.url, contentType: outcome.contentType }), validators: outcome.validators };
}

/**
 * Let pending network events through before the next piece of CPU work. Sites are fetched while others are
 * processed: without this, the feeds that arrived together were parsed and cleaned in one stretch while the
 * connections of the next requests waited behind them (18 ms median from request to server, measured), and
 * 100 feeds behind 200 ms of latency took 1.28× the ideal; yielding before each parse and each item, 1.12–1.18×.
 */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function note(report: SiteReport, text: string): void {
  if (report.notes.length < 10) report.notes.push(text);
}

/**
 * Items → candidates: a link to identify them, a title, a date. Two items of one story in one feed: the newest
 * is the candidate, the other is kept as its superseded version (identity's newestPerStory).
 */
function toCandidates(ctx: SiteContext, site: SiteConfig, items: FeedItem[], report: SiteReport): Candidate[] {
  const out: Candidate[] = [];
  const nowMs = ctx.now();
  let excluded = 0;
  for (const raw of items) {
    // The site mirrors only some categories (config include.category, as the original's CDT filter).
    if (site.include && !(raw.categories ?? []).some((cat) => site.include!.category.test(cat))) {
      excluded++;
      continue;
    }
    const item = ctx.redactions.item(raw);
    const link = item.link ?? (item.guid && /^https?:\/\//i.test(item.guid) ? item.guid : null);
    if (!link) {
      report.skipped++;
      note(report, `item "${safeTitle(item.title ?? '').slice(0, 60)}" has no link`);
      continue;
    }
    // The link is written into the article file and the website: only web links, never javascript: & co.
    if (!/^https?:\/\//i.test(link)) {
      report.skipped++;
      note(report, `item "${safeTitle(item.title ?? '').slice(0, 60)}": link is not http(s)`);
      continue;
    }
    const ownTitle = safeTitle(item.title ?? '');
    const title = ownTitle || safeTitle(ctx.redactions.text(htmlToText(item.contentHtml ?? item.summary ?? '')).slice(0, 60)) || link;
    const canonical = canonicalLink(link);
    // Only a title the feed gave identifies a story: a stand-in made from the body is not a headline, and
    // untitled items sharing an opening sentence are not the same story.
    const normTitle = ownTitle ? normalizeTitle(ownTitle) : '';
    const stated = item.published ?? item.updated;
    // No date: the time it was first seen. A date in the future is a feed's mistake: clamp it to now.
    const published = stated ? Math.min(stated.getTime(), nowMs) : nowMs;
    if (ctx.redactions.removed(site.abbr, { guid: item.guid, canonicalLink: canonical, normTitle, published })) {
      report.skipped++;
      note(report, 'an item removed on request (redactions.yaml) was not stored again');
      continue;
    }
    const sourceHash = sha256(JSON.stringify([item.guid, link, title, item.contentHtml, item.summary, site.fullText, site.selector, site.images]));
    out.push({ item, guid: item.guid, link, title, published, canonical, normTitle, sourceHash, superseded: [] });
  }
  if (excluded > 0) note(report, `${excluded} items left out: no category matches include.category ${site.include!.category}`);
  const { stories, duplicates } = newestPerStory(out);
  report.duplicates += duplicates;
  return stories;
}

/**
 * The older versions that came in the same feed as a story's newest (see toCandidates), cleaned as the newest
 * was, for the revisions stage to keep (keepOlderVersions).
 */
async function keepFeedVersions(ctx: SiteContext, site: SiteConfig, c: Candidate): Promise<void> {
  const rec = ctx.index.findStory(site.abbr, { guid: c.guid, canonicalLink: c.canonical, normTitle: c.normTitle, published: c.published });
  if (!rec) return;
  const files = [rec.path, ...ctx.index.aliasPaths(rec.site, rec.id)];
  const read = readStored(ctx.config.archive);
  const clean = (html: string, base: string) => cleanHtml(html, { baseUrl: base, imageProxy: site.images === 'proxy' ? ctx.config.imageProxy : null });
  const older = c.superseded.flatMap((item) => {
    const raw = item.contentHtml ?? item.summary ?? '';
    const t = versionTime(item);
    // A body that would need the page is the page's: the stored one (null), so only its title can differ.
    // Every body that is kept passes through the takedown rules, as the newest did.
    const body = needsFullText(site.fullText, raw, c.link) ? null : flattenBody(ctx.redactions.html(clean(raw, item.baseUrl ?? c.link)));
    const title = safeTitle(item.title ?? '');
    // A version the archive already holds as a file of the story (the original wrote a second file under the
    // id when a post was renamed) is on record: no revision for it.
    if (body !== null && title && sameAsStored(files, title, body, (b) => clean(b, c.link), read)) return [];
    return [{ title, link: c.link, body, seen: Math.min(Number.isFinite(t) ? t : ctx.now() - 1, ctx.now() - 1) }];
  });
  await keepOlderVersions(ctx.config.archive, ctx.index, rec, older);
}

/** Articles per committed slice of a site's batch (see runSite). */
const COMMIT_SLICE = 50;

/** What one site's run will write: planned files, and records whose metadata alone changes. */
interface Batch extends IdPlan {
  writes: { record: ArticleRecord; text: string; contentHash: string; isNew: boolean }[];
  touches: ArticleRecord[];
  /** The site's folder, looked up with the first new story's id (ids are reserved in one transaction per slice). */
  folder: string | null;
}

/**
 * Write a slice of a site's batch: reserve every id first (one transaction, empty hash = pending), then write the files
 * (atomically, fsyncs side by side), then record their hashes (one transaction). A run killed in between
 * leaves reservations the next run completes under the same ids: never a second copy, never a partial file.
 */
async function commitBatch(ctx: SiteContext, batch: Batch, report: SiteReport): Promise<void> {
  const { index, config } = ctx;
  const { writes, touches } = batch;
  // The batch goes on (its next id, its folder) with empty lists: what is committed here is released.
  batch.writes = [];
  batch.touches = [];
  if (writes.length > 0) {
    index.transaction(() => {
      for (const w of writes) index.upsert(w.record);
    });
    await writeFilesAtomic(writes.map((w) => ({ file: path.join(config.archive, w.record.path), data: w.text })));
  }
  index.transaction(() => {
    for (const w of writes) index.upsert({ ...w.record, contentHash: w.contentHash });
    for (const r of touches) index.upsert(r);
    if (writes.length > 0) bumpGeneration(index);
  });
  for (const w of writes) {
    if (w.isNew) report.new++;
    else report.updated++;
  }
}

async function prepareItem(ctx: SiteContext, site: SiteConfig, c: Candidate, report: SiteReport, batch: Batch): Promise<void> {
  const { index, config } = ctx;
  // Same guid, canonical link or WordPress post id: the same story. A title alone is only a candidate (see below).
  let match = matchStoredStory(index, site, c);
  // The same item as last time, and its file is there: nothing to do (this keeps no-op runs cheap).
  if (match && match.sourceHash === c.sourceHash && match.contentHash && existsSync(path.join(config.archive, match.path))) {
    report.unchanged++;
    return;
  }

  let body = c.item.contentHtml ?? c.item.summary ?? '';
  let baseUrl = c.item.baseUrl ?? c.link;
  if (needsFullText(site.fullText, body, c.link)) {
    const cached = ctx.pageCache.get(c.link);
    const result = cached
      ? { kind: 'full' as const, html: cached.html, url: c.link }
      : await extractFullText(ctx.fetcher, c.link, { selector: site.selector });
    if (result.kind === 'full') {
      if (cached) report.fullText.cached++;
      else {
        report.fullText.fetched++;
        ctx.pageCache.put(c.link, result.html);
      }
      body = result.html;
      baseUrl = result.url;
    } else {
      report.fullText.fallback++;
      report.fullText.reasons[result.code] = (report.fullText.reasons[result.code] ?? 0) + 1;
      note(report, `full text of ${c.link}: ${result.reason}`);
      // Never replace a stored article with a teaser because its page failed this time.
      if (match && match.contentHash) {
        report.unchanged++;
        return;
      }
    }
  }

  const local = site.images === 'local';
  const clean = (b: string) => cleanHtml(b, { baseUrl, imageProxy: local || site.images === 'none' ? null : config.imageProxy });
  let html = ctx.redactions.html(clean(body));
  const read = readStored(config.archive);
  // Same title within a few days, another guid or link: the same story only when the texts are near-identical
  // (a re-publication under a new link); otherwise a new story, however alike the titles (identity/nearIdentical).
  if (!match) match = matchStoredStory(index, site, c, { text: htmlToText(html), read });
  if (!match) batch.folder ??= index.folderOf(site.abbr) ?? site.abbr;
  const id = match ? match.id : newId(index, site, c, batch, report);
  const relPath = match ? match.path : `articles/${batch.folder}/${id}.md`;
  if (local) {
    const r = await storeImages(html, {
      fetcher: ctx.fetcher,
      archive: config.archive,
      abbr: site.abbr,
      articlePath: relPath,
      imageProxy: config.imageProxy,
      store: ctx.imageStore,
    });
    html = r.html;
    report.images.stored += r.stored;
    report.images.reused += r.reused;
    report.images.failed += r.failed;
    report.images.bytes += r.bytes;
    for (const f of r.failures) note(report, `image: ${f}`);
  }

  const published = match ? match.published : c.published;
  const file = { published, title: c.title, link: c.link, body: flattenBody(html) };
  const text = renderArticleFile(file);
  const contentHash = sha256(text);
  const t = ctx.now();
  const record: ArticleRecord = {
    site: site.abbr,
    id,
    path: relPath,
    guid: c.guid ?? match?.guid ?? null,
    link: c.link,
    canonicalLink: c.canonical,
    title: c.title,
    normTitle: c.normTitle,
    published,
    contentHash: '',
    sourceHash: c.sourceHash,
    firstSeen: match ? match.firstSeen : t,
    updatedAt: t,
  };
  if (match && match.contentHash === contentHash && existsSync(path.join(config.archive, relPath))) {
    // Same bytes as stored: remember the new source hash so the next run skips the work.
    batch.touches.push({ ...record, contentHash, updatedAt: match.updatedAt });
    report.unchanged++;
    return;
  }
  if (match && match.contentHash && sameAsStored([match.path, ...index.aliasPaths(match.site, match.id)], c.title, html, clean, read)) {
    // The story as stored, served again with other bytes but nothing a reader would call a change (tracking
    // parameters in its link, a title's punctuation, a file from an older cleaner or from the original): its
    // file keeps its bytes, and the source hash is remembered so it is skipped from now on.
    batch.touches.push({ ...match, guid: record.guid, sourceHash: c.sourceHash });
    report.unchanged++;
    return;
  }
  if (match && match.contentHash && existsSync(path.join(config.archive, relPath))) {
    // A stored story served differently: a new version only if a reader would notice (the revisions stage keeps
    // the previous one first); else the stored bytes stay and the new source hash spares the next run the work.
    if ((await reviseArticle(config.archive, index, match, file, t)) !== 'edit') {
      batch.touches.push({ ...match, guid: record.guid, sourceHash: c.sourceHash });
      report.unchanged++;
      return;
    }
  }
  batch.writes.push({ record, text, contentHash, isNew: !match });
}

/** A new story's id (identity's allocateId); why it is not the id the scheme asked for goes into the notes. */
function newId(index: ArchiveIndex, site: SiteConfig, c: Candidate, batch: Batch, report: SiteReport): number {
  const { id, note: why } = allocateId(index, site, c, batch);
  if (why) note(report, why);
  return id;
}

/**
 * Lists, README, feeds and site are a function of the index and the config. The index's generation counts
 * committed batches, so outputs already rendered for this generation and config are right as they are: a
 * no-op run renders nothing, which keeps its cost independent of the archive's size. A run killed after
 * writing articles but before rendering leaves an older generation behind, so the next run renders.
 */
async function renderIfStale(config: Config, index: ArchiveIndex, render: boolean, now: number): Promise<void> {
  const inputs = [config.sites.map((x) => [x.name, x.abbr]), config.listSize, config.tzOffsetMinutes, config.siteDir, config.baseUrl];
  const state = `${index.getMeta('generation') ?? '0'}:${sha256(JSON.stringify(inputs))}`;
  // An imported archive's lists and README are as their writer (the original, an earlier newsmirror) left
  // them, and stay so until a run writes an article: a run that finds nothing new changes no byte of them.
  const asImported = index.getMeta('rendered-lists') === null && index.getMeta('imported-generation') === (index.getMeta('generation') ?? '0') && existsSync(path.join(config.archive, 'lists'));
  const listsCurrent = asImported || (index.getMeta('rendered-lists') === `${state}:${render}` && existsSync(path.join(config.archive, 'README.md')));
  const siteCurrent = !render || (index.getMeta('rendered-site') === state && existsSync(path.join(config.siteDir, 'index.html')));
  if (listsCurrent && siteCurrent) return;
  await renderOutputs(config, index, { lists: !listsCurrent, readme: !listsCurrent, feedsAndSite: !siteCurrent, links: render, now });
  index.setMeta('rendered-lists', `${state}:${render}`);
  if (render) index.setMeta('rendered-site', state);
}

interface RenderWhat {
  /** Sites whose lists to write (default every configured site). */
  sites?: SiteConfig[];
  lists: boolean;
  readme: boolean;
  feedsAndSite: boolean;
  /** Whether the README links the feeds and the website. */
  links: boolean;
  /** Render every website page (RenderOptions.all). */
  allPages?: boolean;
  /** The clock: with the website, the digests of yesterday and today (readers' days) are written. */
  now?: number;
}

/** Write the requested outputs from the index; every write compares bytes first. */
async function renderOutputs(config: Config, index: ArchiveIndex, what: RenderWhat): Promise<{ written: number; readmeWithoutBlock: boolean }> {
  const links = outputLinks(config);
  let written = 0;
  let readmeWithoutBlock = false;
  if (what.lists || what.readme) {
    // Written together at the end: one batch of fsyncs side by side, not one file after the other (with a
    // hundred sites that was a third of a second of waiting after the last feed).
    const files: { file: string; data: string }[] = [];
    const readmeSites: { name: string; abbr: string; count: number; latest: number | null }[] = [];
    const marked = new Map(histories(index).map((h) => [`${h.site}\u0000${h.id}`, h]));
    for (const site of what.sites ?? config.sites) {
      const newest = index.newest(site.abbr, config.listSize);
      readmeSites.push({
        name: site.name,
        abbr: site.abbr,
        count: index.count(site.abbr),
        latest: newest.reduce<number | null>((m, r) => (m === null || r.published > m ? r.published : m), null),
      });
      // A site that has never archived anything gets no list (the original wrote none either).
      const file = path.join(config.archive, 'lists', `${site.name}.md`);
      const existing = readIfExists(file);
      if (!what.lists || (newest.length === 0 && existing === null)) continue;
      // Every file of every story (two files under one id included), in the list's own shape (old or current).
      // Stories edited or removed at the source carry a mark in their list line (see listMark).
      const entries = index.listEntries(site.abbr, config.listSize).map((e) => ({ ...e, mark: listMark(marked.get(`${site.abbr}\u0000${e.id}`)) }));
      // Entries of stories the index never knew (files not in this copy of the archive) stay as they were.
      const foreign = foreignEntries(existing, (id) => index.idTaken(site.abbr, id));
      files.push({ file, data: renderList(site.name, entries, { tzOffsetMinutes: config.tzOffsetMinutes, shape: listShape(existing), foreign, limit: config.listSize }) });
    }
    if (what.readme) {
      // Only newsmirror's block of the README is rewritten; a README without the block is left alone.
      const file = path.join(config.archive, 'README.md');
      const readme = updateReadme(readIfExists(file), readmeSites, { feeds: what.links, site: what.links, digests: what.links ? links.digests : null, base: links.base, siteIndex: links.siteIndex, tzOffsetMinutes: config.tzOffsetMinutes });
      if (readme !== null) files.push({ file, data: readme });
      else readmeWithoutBlock = true;
    }
    written += (await writeFilesAtomic(files)).filter(Boolean).length;
  }
  if (what.feedsAndSite) {
    const src = renderSource(config, index);
    const renderOpts = { archive: config.archive, siteDir: config.siteDir, baseUrl: config.baseUrl, tzOffsetMinutes: config.tzOffsetMinutes };
    written += (await renderFeeds(src, renderOpts)).written;
    written += (await renderSite(src, { ...renderOpts, all: what.allPages === true, digestsHref: links.digestsFromSite, pagesPerSite: config.sitePages.perSite, sourceUrl: config.sitePages.sourceUrl })).written;
    // After the website: the digests page is linked from it, and a digest holds the articles just written.
    written += (await writeDigests(src, recentDays(what.now ?? Date.now(), config.tzOffsetMinutes), digestOptions(config))).written;
  }
  return { written, readmeWithoutBlock };
}

/**
 * `newsmirror digest`: write the digests of `dates` (default yesterday's and today's; 'all' every day of the
 * archive) from the index and files, into `outDir` (default the configured digests folder).
 */
export async function digestArchive(
  config: Config,
  opts: { dates?: string[] | 'all'; outDir?: string; now?: number } = {},
): Promise<{ written: number; outDir: string; digests: { date: string; articles: number; epubBytes: number; htmlBytes: number }[] }> {
  await mkdir(path.join(config.archive, '.newsmirror'), { recursive: true });
  const lock = await acquireRunLock(config.archive, { waitMs: 10_000 });
  const index = ArchiveIndex.open(config.archive);
  try {
    await ensureImported(config, index);
    const tz = config.tzOffsetMinutes;
    const span = index.span();
    const dates = opts.dates === 'all' ? (span ? daysBetween(span.oldest, span.newest, tz) : []) : opts.dates ?? recentDays(opts.now ?? Date.now(), tz);
    // Asked for by hand: rendered whatever the manifest says, so files edited or damaged by hand are restored.
    const o = { ...digestOptions(config, opts.outDir), force: true };
    return { ...(await writeDigests(renderSource(config, index), dates, o)), outDir: o.outDir };
  } finally {
    index.close();
    await lock.release();
  }
}

/** What the render stage reads: the index for metadata, the article files for bodies. */
function renderSource(config: Config, index: ArchiveIndex): RenderSource {
  let withHistory: Set<string> | undefined;
  return {
    sites: config.sites.map((s) => ({ name: s.name, abbr: s.abbr, feed: s.feed })),
    articles: (abbr, limit, offset) => index.listing(abbr, limit ?? Number.MAX_SAFE_INTEGER, offset ?? 0),
    around: (abbr, id, k) => index.around(abbr, id, k),
    rank: (abbr, id) => index.rank(abbr, id),
    changes: (signature) => index.renderChanges(signature),
    rendered: (signature) => index.renderDone(signature),
    count: (abbr) => index.count(abbr),
    between: (from, to) => index.between(from, to),
    span: () => index.span(),
    body: (rel) => readBody(config.archive, rel),
    history: (abbr, id) => {
      // Only stories the index knows a history of have a status file: no file lookup for the others.
      withHistory ??= new Set(histories(index).map((h) => `${h.site}\u0000${h.id}`));
      const rec = withHistory.has(`${abbr}\u0000${id}`) ? index.get(abbr, id) : null;
      return rec ? readHistory(config.archive, rec) : null;
    },
    changed: (kind, limit) => changedStories(index, kind, limit),
  };
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function readBody(archive: string, rel: string): string {
  // Synchronous read keeps the RenderSource interface simple; bodies are small and read once per render.
  return readStored(archive)(rel).body;
}

/** A stored article file of `archive`, parsed (throws when it is missing or corrupt). */
function readStored(archive: string): ReadStored {
  return (rel) => parseArticleFile(readFileSync(path.join(archive, rel), 'utf8'), rel);
}

/**
 * An archive the index has never seen (a fresh clone, a CI runner whose cache expired, an archive written
 * by the original script) is imported before anything is fetched, so ids continue and nothing is stored twice.
 */
async function ensureImported(config: Config, index: ArchiveIndex): Promise<void> {
  if (index.getMeta('imported') !== null) return;
  if (existsSync(path.join(config.archive, 'articles'))) await importArchive(config.archive, index, config.sites);
  else index.setMeta('imported', new Date().toISOString());
  // The histories' copy in the index comes from the status files, after the articles they belong to.
  if (existsSync(path.join(config.archive, 'revisions'))) importRevisions(config.archive, index);
}

/**
 * Sites the index has articles of but the config does not list (a site removed from the config, an abbr
 * changed by mistake, an archive rendered with another config). Their files stay; lists, README and website
 * cover configured sites only, so the report names them rather than letting them drop out silently.
 */
function unlistedSites(config: Config, index: ArchiveIndex): UnlistedSite[] {
  const configured = new Set(config.sites.map((s) => s.abbr));
  return index
    .sites()
    .filter((site) => !configured.has(site))
    .map((site) => ({ folder: `articles/${index.folderOf(site) ?? site}`, articles: index.count(site) }));
}

function summarize(config: Config, startedAt: Date, sites: SiteReport[]): RunReport {
  const totals = { sites: sites.length, failed: 0, new: 0, updated: 0, unchanged: 0 };
  for (const s of sites) {
    if (s.status === 'failed') totals.failed++;
    totals.new += s.new;
    totals.updated += s.updated;
    totals.unchanged += s.unchanged;
  }
  return { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), archive: config.archive, sites, totals };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
