/**
 * Re-check stage: stored articles are fetched again at their source on a schedule that backs off with age
 * (by default about 1 h, 6 h, 1 d, 3 d, 7 d and 30 d after first seen, then never), so that an edit or a
 * deletion after a story left its feed is still noticed.
 *
 * - Every request goes through the run's fetcher (the same global and per-host limits, retries, size cap
 *   and private-network guard as any link taken from a feed); the page's article is found by the extract
 *   stage, as for full text, and cleaned by the clean stage, as for any body.
 * - Outcomes: unchanged; edited (a new version, kept as the revisions stage keeps any); suspected (404, 410,
 *   451, or a redirect to the site's home or a section page, seen once); gone (seen so again on a check at
 *   least an hour later); back (gone, then live again); unreachable (network error, timeout, 5xx, 429, 403:
 *   retried an hour later, never counted as gone).
 * - Which step of the schedule an article is at, and the fingerprints of its page when last checked, live in
 *   the index (table recheck_schedule): losing them costs at most one repeated check. What was concluded —
 *   versions, suspicions, deletions, returns — is written to revisions/<folder>/<id>/status.json first.
 * - A page's text is compared with the page as last checked. On the first check it is compared with the stored
 *   article only where that came from the page (full text), since a feed's body and a page's article differ in
 *   ways that are no edit; a feed-bodied article's first check sets the baseline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { flattenBody, parseArticleFile, renderArticleFile, writeFileAtomic } from '../archive/index.js';
import { cleanHtml } from '../clean/index.js';
import { decodeText } from '../encoding/index.js';
import { errorMessage, isNewsmirrorError } from '../errors.js';
import { extractFromPage, type PageCache } from '../extract/index.js';
import { canonicalLink, normalizeTitle, type ArchiveIndex } from '../identity/index.js';
import { histories, historyOf, partPrints, recordSourceState, reviseArticle } from '../revisions/index.js';
import type { ArticleRecord, Fetcher, RecheckOutcome, RecheckPolicy, RecheckReport, SiteConfig, Validators } from '../types.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The default schedule: offsets after first seen. */
export const DEFAULT_RECHECK: RecheckPolicy = { perRun: 100, scheduleMs: [HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY] };
/** Least time between the two sightings that make a deletion (and between retries of an unreachable page). */
export const CONFIRM_MS = HOUR;

export const OUTCOMES: RecheckOutcome[] = ['unchanged', 'edited', 'suspected', 'gone', 'back', 'unreachable', 'skipped'];
export type { RecheckOutcome, RecheckReport };

export interface RecheckContext {
  archive: string;
  index: ArchiveIndex;
  fetcher: Fetcher;
  now: number;
  sites: SiteConfig[];
  imageProxy: string | null;
  policy?: RecheckPolicy;
  /** Articles to check at most (default policy.perRun); Infinity for a whole pass. */
  limit?: number;
  pageCache?: PageCache;
  /** Takedown rules (the redact stage's), applied to what a page says before it is compared or kept. */
  redact?: { text(s: string): string; html(s: string): string };
}

interface Due {
  rec: ArticleRecord;
  site: SiteConfig;
  step: number;
  dueAt: number;
  row: ScheduleRow | undefined;
}

interface ScheduleRow {
  site: string;
  id: number;
  done: number;
  retry_at: number | null;
  page_title: string | null;
  page_text: string | null;
  page_at: number | null;
  /** The page's ETag and Last-Modified when last fetched: a 304 is a check that costs no body. */
  etag: string | null;
  last_modified: string | null;
}

function schedule(index: ArchiveIndex) {
  const db = index.db;
  db.exec(`CREATE TABLE IF NOT EXISTS recheck_schedule (site TEXT NOT NULL, id INTEGER NOT NULL, done INTEGER NOT NULL, retry_at INTEGER,
    page_title TEXT, page_text TEXT, page_at INTEGER, etag TEXT, last_modified TEXT, PRIMARY KEY (site, id)) WITHOUT ROWID`);
  const put = db.prepare(`INSERT INTO recheck_schedule (site, id, done, retry_at, page_title, page_text, page_at, etag, last_modified)
    VALUES (@site, @id, @done, @retry_at, @page_title, @page_text, @page_at, @etag, @last_modified)
    ON CONFLICT(site, id) DO UPDATE SET done = excluded.done, retry_at = excluded.retry_at, page_title = excluded.page_title, page_text = excluded.page_text,
      page_at = excluded.page_at, etag = excluded.etag, last_modified = excluded.last_modified`);
  return {
    rows: () => new Map((db.prepare('SELECT * FROM recheck_schedule').all() as ScheduleRow[]).map((r) => [`${r.site}\u0000${r.id}`, r])),
    put: (r: ScheduleRow) => void put.run(r),
  };
}

/** The index of the latest step of `scheduleMs` reached at `now` by an article first seen at `firstSeen`, or -1. */
export function stepAt(scheduleMs: number[], firstSeen: number, now: number): number {
  let k = -1;
  for (let i = 0; i < scheduleMs.length; i++) if (firstSeen + scheduleMs[i]! <= now) k = i;
  return k;
}

/** Articles due at ctx.now, longest-waiting first. Articles older than twice the last step are not checked again. */
function dueArticles(ctx: RecheckContext, policy: RecheckPolicy, rows: Map<string, ScheduleRow>): Due[] {
  const last = policy.scheduleMs[policy.scheduleMs.length - 1] ?? 0;
  const sites = new Map(ctx.sites.map((s) => [s.abbr, s]));
  const states = new Map(histories(ctx.index).map((h) => [`${h.site}\u0000${h.id}`, h.state]));
  const out: Due[] = [];
  for (const rec of ctx.index.seenSince(ctx.now - 2 * last)) {
    const site = sites.get(rec.site);
    if (!site) continue;
    const row = rows.get(`${rec.site}\u0000${rec.id}`);
    if (states.get(`${rec.site}\u0000${rec.id}`) === 'suspect') {
      // A suspected deletion is confirmed (or cleared) an hour later, whatever the schedule says.
      const at = row?.retry_at ?? ctx.now;
      if (at <= ctx.now) out.push({ rec, site, step: row?.done ?? 0, dueAt: at, row });
      continue;
    }
    const k = stepAt(policy.scheduleMs, rec.firstSeen, ctx.now);
    if (k < 0 || k < (row?.done ?? 0)) continue;
    if (row?.retry_at != null && row.retry_at > ctx.now) continue;
    out.push({ rec, site, step: k, dueAt: rec.firstSeen + policy.scheduleMs[k]!, row });
  }
  return out.sort((a, b) => a.dueAt - b.dueAt || (a.rec.site < b.rec.site ? -1 : a.rec.site > b.rec.site ? 1 : a.rec.id - b.rec.id));
}

/**
 * The same articles, taking one host after the other: the pool below holds 16 checks, and 16 of one host
 * would wait on its per-host limit (2) while the global limit (8) sat idle — a pass over 9 sites measured
 * 29 s in due order and the page delays' floor is 6.3 s.
 */
function byHostInTurn(list: Due[]): Due[] {
  const hosts = new Map<string, Due[]>();
  for (const d of list) {
    let host: string;
    try {
      host = new URL(d.rec.link).host;
    } catch {
      host = '';
    }
    const q = hosts.get(host) ?? [];
    q.push(d);
    hosts.set(host, q);
  }
  const queues = [...hosts.values()];
  const out: Due[] = [];
  for (let i = 0; out.length < list.length; i++) for (const q of queues) if (i < q.length) out.push(q[i]!);
  return out;
}

/**
 * A redirect that lands on the site's home page or a section page (an ancestor of the article's path, a
 * one-word path, an index page) is how many sites delete a story; a redirect to another article is a move.
 */
export function redirectedAway(original: string, final: string): boolean {
  if (canonicalLink(original) === canonicalLink(final)) return false;
  let o: URL;
  let f: URL;
  try {
    o = new URL(original);
    f = new URL(final);
  } catch {
    return false;
  }
  const fp = f.pathname.replace(/\/+$/, '');
  if (fp === '' || /\/(?:index|default|home)\.(?:html?|php|aspx?)$/i.test(fp)) return true;
  const sameSite = f.hostname.replace(/^www\./, '') === o.hostname.replace(/^www\./, '');
  if (sameSite && o.pathname.startsWith(`${fp}/`)) return true;
  const segments = fp.split('/').filter(Boolean);
  return segments.length === 1 && !/\d/.test(segments[0]!) && !/\.\w+$/.test(segments[0]!);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

const GONE_STATUS = new Set([404, 410, 451]);

type Observation =
  | { kind: 'gone'; detail: string }
  | { kind: 'live'; title: string | null; html: string | null; raw?: string; validators?: Validators } | { kind: 'unreachable'; detail: string } | { kind: 'skipped'; detail: string };

/** Fetch and read one article's source page. Never throws for what the network or the page does. */
async function observe(ctx: RecheckContext, d: Due): Promise<Observation> {
  const link = d.rec.link;
  let out;
  try {
    // Conditional only once the page has a baseline: a 304 then means "as last compared".
    const validators = d.row?.page_text != null ? { etag: d.row.etag, lastModified: d.row.last_modified } : null;
    out = await ctx.fetcher.fetch({ url: link, untrusted: true, validators, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5' });
  } catch (err) {
    if (isNewsmirrorError(err, 'http_status') && err.status !== null && GONE_STATUS.has(err.status)) return { kind: 'gone', detail: `HTTP ${err.status}` };
    // The guard refused it, or the link is not one we may fetch: never evidence of a deletion.
    if (isNewsmirrorError(err, 'private_network', 'bad_url', 'too_large', 'too_many_redirects')) return { kind: 'skipped', detail: errorMessage(err) };
    return { kind: 'unreachable', detail: errorMessage(err) };
  }
  if (out.kind !== 'fetched') return { kind: 'live', title: null, html: null, validators: out.validators };
  if (redirectedAway(link, out.url)) return { kind: 'gone', detail: `redirected to ${out.url}` };
  if (out.contentType && !/html|xml/i.test(out.contentType)) return { kind: 'live', title: null, html: null };
  const page = { html: decodeText(out.body, { contentType: out.contentType, kind: 'html' }).text, url: out.url };
  const r = await extractFromPage(page, { selector: d.site.selector });
  if (r.kind !== 'full') return { kind: 'live', title: null, html: null };
  const redact = ctx.redact ?? { text: (s: string) => s, html: (s: string) => s };
  const html = redact.html(flattenBody(cleanHtml(r.html, { baseUrl: r.url, imageProxy: d.site.images === 'proxy' ? ctx.imageProxy : null })));
  return { kind: 'live', title: r.title == null ? null : redact.text(r.title), html, raw: redact.html(r.html), validators: out.validators };
}

/** Re-check the articles due at ctx.now (at most ctx.limit), recording what is found; see the module comment. */
export async function recheckArticles(ctx: RecheckContext): Promise<RecheckReport> {
  const t0 = performance.now();
  const startedAt = new Date(ctx.now).toISOString();
  const policy = ctx.policy ?? DEFAULT_RECHECK;
  const table = schedule(ctx.index);
  const rows = table.rows();
  const due = dueArticles(ctx, policy, rows);
  const limit = ctx.limit ?? policy.perRun;
  const todo = byHostInTurn(due.slice(0, Math.max(0, limit)));
  const report: RecheckReport = {
    startedAt,
    finishedAt: startedAt,
    due: due.length,
    checked: 0,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<RecheckOutcome, number>,
    changed: 0,
    notes: [],
    ms: 0,
  };
  // The fetcher bounds the requests; this bounds the pages held in memory while they wait for it.
  const pool = pLimit(16);
  await Promise.all(
    todo.map((d) =>
      pool(async () => {
        let outcome: RecheckOutcome;
        try {
          outcome = await checkOne(ctx, d, table);
        } catch (err) {
          // An archive file that cannot be read or written: this article is left as it was, the others go on.
          outcome = 'skipped';
          if (report.notes.length < 50) report.notes.push(`${d.rec.path}: ${errorMessage(err)}`);
        }
        report.checked++;
        report.outcomes[outcome]++;
        if (outcome !== 'unchanged' && outcome !== 'unreachable' && outcome !== 'skipped') report.changed++;
        if (outcome !== 'unchanged' && report.notes.length < 50) report.notes.push(`${d.rec.path}: ${outcome}`);
      }),
    ),
  );
  report.finishedAt = new Date(ctx.now + (performance.now() - t0)).toISOString();
  report.ms = Math.round(performance.now() - t0);
  return report;
}

/**
 * The record as its file says: a process killed between an article's write and the index's update leaves
 * the index behind (the file is the record, the index follows it).
 */
function followFile(ctx: RecheckContext, rec: ArticleRecord): ArticleRecord {
  const bytes = readFileSync(path.join(ctx.archive, rec.path), 'utf8');
  const hash = sha256(bytes);
  if (hash === rec.contentHash) return rec;
  const stored = parseArticleFile(bytes, rec.path);
  const now = { ...rec, title: stored.title, normTitle: normalizeTitle(stored.title), contentHash: hash };
  ctx.index.upsert(now);
  return now;
}

async function checkOne(ctx: RecheckContext, due: Due, table: ReturnType<typeof schedule>): Promise<RecheckOutcome> {
  const { archive, index, now } = ctx;
  const d = { ...due, rec: followFile(ctx, due.rec) };
  const rec = d.rec;
  const state = historyOf(index, rec.site, rec.id)?.state ?? 'live';
  const row: ScheduleRow = d.row ?? { site: rec.site, id: rec.id, done: 0, retry_at: null, page_title: null, page_text: null, page_at: null, etag: null, last_modified: null };
  const seen = await observe(ctx, d);
  const next = { ...row, done: Math.max(row.done, d.step + 1), retry_at: null as number | null };
  if (seen.kind === 'unreachable') {
    // Not evidence of anything: try again in an hour (within the step's window), the step stays to do.
    table.put({ ...row, retry_at: now + CONFIRM_MS });
    return seen.kind;
  }
  if (seen.kind === 'skipped') {
    // A link we may not fetch (the guard, a page over the size cap): asking again an hour later changes nothing.
    table.put(next);
    return seen.kind;
  }
  if (seen.kind === 'gone') {
    const event = { at: now, detail: seen.detail };
    if (state === 'gone') {
      table.put(next);
      return 'gone';
    }
    if (state === 'suspect') {
      await recordSourceState(archive, index, rec, 'gone', { ...event, event: 'gone' });
      index.upsert(rec); // the article's page now says so
      table.put(next);
      return 'gone';
    }
    await recordSourceState(archive, index, rec, 'suspect', { ...event, event: 'suspected' });
    table.put({ ...next, retry_at: now + CONFIRM_MS });
    return 'suspected';
  }
  let outcome: RecheckOutcome = 'unchanged';
  if (state === 'gone') {
    await recordSourceState(archive, index, rec, 'live', { at: now, event: 'back' });
    index.upsert(rec);
    outcome = 'back';
  } else if (state === 'suspect') {
    await recordSourceState(archive, index, rec, 'live', { at: now, event: 'cleared' });
  }
  if (seen.html !== null) {
    const edited = await compare(ctx, d, row, seen.title, seen.html);
    // A page the full-text stage keeps is refreshed (after the comparison, which asks whether the stored article
    // came from it); pages it never needed are not added, or the index would grow by every page re-checked.
    if (seen.raw !== undefined && ctx.pageCache?.get(rec.link)) ctx.pageCache.put(rec.link, seen.raw);
    const prints = partPrints(seen.title ?? '', seen.html);
    next.page_title = seen.title ? prints.title : row.page_title;
    next.page_text = prints.text;
    next.page_at = now;
    next.etag = seen.validators?.etag ?? null;
    next.last_modified = seen.validators?.lastModified ?? null;
    if (edited && outcome === 'unchanged') outcome = 'edited';
  }
  table.put(next);
  return outcome;
}

/** Compare the page with its baseline (see the module comment); write a new version when it changed. */
async function compare(ctx: RecheckContext, d: Due, row: ScheduleRow, title: string | null, html: string): Promise<boolean> {
  const { archive, index, now } = ctx;
  const rec = d.rec;
  const stored = parseArticleFile(readFileSync(path.join(archive, rec.path), 'utf8'), rec.path);
  const page = partPrints(title ?? '', html);
  const mine = partPrints(stored.title, stored.body);
  const fromPage = d.site.fullText === 'always' || (ctx.pageCache?.get(rec.link) ?? null) !== null;
  const textChanged = row.page_text !== null ? page.text !== row.page_text : fromPage && page.text !== mine.text;
  const titleChanged = title !== null && row.page_title !== null && page.title !== row.page_title;
  if (!textChanged && !titleChanged) return false;
  // The feed already brought this edit since the last check: it is on record, the page is the new baseline.
  if (row.page_at !== null && rec.updatedAt > row.page_at && !fromPage) return true;
  const incoming = { published: stored.published, title: titleChanged ? title! : stored.title, link: stored.link, body: textChanged ? html : stored.body };
  const outcome = await reviseArticle(archive, index, rec, incoming, now);
  if (outcome === 'edit') {
    const text = renderArticleFile(incoming);
    await writeFileAtomic(path.join(archive, rec.path), text);
    index.upsert({ ...rec, title: incoming.title, normTitle: normalizeTitle(incoming.title), contentHash: sha256(text), updatedAt: now });
    return true;
  }
  return false;
}
