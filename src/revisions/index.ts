/**
 * Revisions stage: every version of a story a reader would tell apart is kept as an article file.
 *
 * - A change is reader-visible when the fingerprint of the title or of the text differs. The fingerprint is
 *   taken on plain text (so markup, attribute order, tracking parameters and image-proxy rewrites in URLs
 *   cannot move it), with white space, zero-width and replacement characters dropped, NFKC-normalised, and
 *   relative times ("19 分钟前", "3 hours ago", "刚刚") removed.
 * - The previous version goes to `revisions/<folder>/<id>/<ms>.md`, in the article format, where `<ms>` is
 *   when that version was first seen; `articles/…` keeps the newest. `status.json` beside the versions is the
 *   record of the story's history (versions, deletions, returns); the index holds a copy for listing.
 * - A version seen before (A→B→A) writes no file: the flip-flop is recorded in status.json and the article
 *   stays as it is, so an A/B-tested headline does not commit every hour.
 * - Writes are ordered for crashes: revision file, then status.json, then (by the caller) the article. A run
 *   killed in between redoes the same writes with the same names and bytes: no duplicate, nothing lost.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArticleFile, renderArticleFile, writeFileAtomic } from '../archive/index.js';
import { htmlToText } from '../clean/index.js';
import { errorMessage } from '../errors.js';
import type { ArchiveIndex } from '../identity/index.js';
import type { ArticleFile, ArticleRecord } from '../types.js';

/** Where a story stands at its source. `suspect`: seen gone once, to be confirmed. */
export type SourceState = 'live' | 'suspect' | 'gone';

export interface VersionEntry {
  /** When this version was first seen (ms). */
  seen: number;
  /** Archive-relative file holding it: a revisions/ file, or the article itself for the newest. */
  file: string;
  title: string;
  fingerprint: string;
}

export interface HistoryEvent {
  at: number;
  /** edited, flip-flop, suspected, gone, back (unchanged checks are not history; the index keeps the schedule). */
  event: 'edited' | 'flip-flop' | 'suspected' | 'gone' | 'back' | 'cleared';
  /** HTTP status or final URL that made the observation, when there was one. */
  detail?: string;
}

/** The content of revisions/<folder>/<id>/status.json. */
export interface ArticleHistory {
  site: string;
  id: number;
  article: string;
  link: string;
  state: SourceState;
  /** First observation of the deletion that was confirmed (ms), while gone. */
  goneSince: number | null;
  versions: VersionEntry[];
  events: HistoryEvent[];
}

/** Folder of an article's revisions: revisions/<folder under articles/>/<id>. */
export function revisionsDir(rec: { path: string; id: number }): string {
  const parts = rec.path.split('/');
  const folder = parts.length >= 3 && parts[0] === 'articles' ? parts[1]! : rec.path.replace(/\//g, '_');
  return `revisions/${folder}/${rec.id}`;
}

// Relative times that a page renders at request time: never an edit.
const RELATIVE_TIMES = [
  /\d+\s*(?:秒钟?|秒鐘|分钟|分鐘|分|小时|小時|个小时|個小時|天|日|周|週|星期|个月|個月|月|年)\s*(?:之)?前/g,
  /(?:刚刚|剛剛|刚才|剛才|昨天|前天|今天|昨日)(?:\s*\d{1,2}[:：]\d{2})?/g,
  /\b\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b/gi,
  /\b(?:just now|yesterday|today|an? (?:second|minute|hour|day|week|month|year) ago)\b/gi,
];

/** Text reduced to what a reader would notice: NFKC, no relative times, no white space or invisible characters. */
export function normalizeText(text: string): string {
  let t = text.normalize('NFKC');
  for (const re of RELATIVE_TIMES) t = t.replace(re, '');
  return t.replace(/[\s\u200b-\u200f\u2060\ufeff\ufffd\u00ad]+/g, '');
}

/** The fingerprint of a version: title and text, each normalised, hashed together. */
export function fingerprint(title: string, bodyHtml: string): string {
  return sha256(`${normalizeText(title)}\u0000${normalizeText(htmlToText(bodyHtml))}`);
}

/** Fingerprints of the title and of the text apart (recheck compares them separately to a page baseline). */
export function partPrints(title: string, bodyHtml: string): { title: string; text: string } {
  return { title: sha256(normalizeText(title)), text: sha256(normalizeText(htmlToText(bodyHtml))) };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}

const STATUS = 'status.json';

/** The history of an article, or null when it has none (no status.json). */
export function readHistory(archive: string, rec: { path: string; id: number }): ArticleHistory | null {
  const file = path.join(archive, revisionsDir(rec), STATUS);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ArticleHistory;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function emptyHistory(rec: ArticleRecord): ArticleHistory {
  return { site: rec.site, id: rec.id, article: rec.path, link: rec.link, state: 'live', goneSince: null, versions: [], events: [] };
}

/** Events kept per story: the schedule bounds them, this bounds a source that flip-flops forever. */
const MAX_EVENTS = 200;

/** Write status.json (atomically, bytes compared) and mirror it in the index. */
export async function saveHistory(archive: string, index: ArchiveIndex, h: ArticleHistory): Promise<void> {
  if (h.events.length > MAX_EVENTS) h.events = h.events.slice(-MAX_EVENTS);
  await writeFileAtomic(path.join(archive, revisionsDir({ path: h.article, id: h.id }), STATUS), JSON.stringify(h, null, 2) + '\n');
  historyTable(index).put(h);
}

/** The outcome of offering a new version of a stored article. */
export type ReviseOutcome = 'same' | 'flip-flop' | 'edit';

/**
 * Offer `incoming` as the newest version of the stored article `rec` (its file must exist), seen at `now`.
 * - 'same': no reader-visible change; nothing written (the caller keeps the stored bytes).
 * - 'flip-flop': a version kept before came back; recorded in status.json, the caller writes nothing.
 * - 'edit': the stored version is now a revision file and status.json lists the versions; the caller then
 *   writes `incoming` to the article file.
 */
export async function reviseArticle(archive: string, index: ArchiveIndex, rec: ArticleRecord, incoming: ArticleFile, now: number): Promise<ReviseOutcome> {
  const current = parseArticleFile(readFileSync(path.join(archive, rec.path), 'utf8'), rec.path);
  const fpOld = fingerprint(current.title, current.body);
  const fpNew = fingerprint(incoming.title, incoming.body);
  if (fpOld === fpNew) return 'same';
  const h = readHistory(archive, rec) ?? emptyHistory(rec);
  h.article = rec.path;
  if (h.versions.some((v) => v.fingerprint === fpNew && v.file.startsWith('revisions/'))) {
    const last = h.events[h.events.length - 1];
    // One event per return, not one per run while the feed keeps serving it.
    if (!(last && last.event === 'flip-flop' && last.detail === fpNew)) {
      h.events.push({ at: now, event: 'flip-flop', detail: fpNew });
      await saveHistory(archive, index, h);
    }
    return 'flip-flop';
  }
  const keptAt = await keepVersion(archive, h, rec, current, fpOld);
  // The newest version: its first sighting survives a run killed after this write (same entry next time).
  const prev = h.versions.find((v) => !v.file.startsWith('revisions/') && v.fingerprint === fpNew);
  h.versions = h.versions.filter((v) => v.file.startsWith('revisions/'));
  h.versions.push({ seen: Math.max(prev?.seen ?? now, keptAt + 1), file: rec.path, title: incoming.title, fingerprint: fpNew });
  h.versions.sort((a, b) => order(a) - order(b));
  h.link = incoming.link;
  if (!h.events.some((e) => e.event === 'edited' && e.detail === fpNew)) h.events.push({ at: now, event: 'edited', detail: fpNew });
  await saveHistory(archive, index, h);
  return 'edit';
}

/** Revision files sort by first sighting; the article (newest) always last. */
function order(v: VersionEntry): number {
  return v.file.startsWith('revisions/') ? v.seen : Number.MAX_SAFE_INTEGER;
}

/**
 * Write `version` (fingerprint `fp`) as a revision file of `rec` unless one holds it; returns its first
 * sighting. The name is that sighting in ms; a different version already under that name moves it on by 1 ms.
 */
async function keepVersion(archive: string, h: ArticleHistory, rec: ArticleRecord, version: ArticleFile, fp: string, seenHint?: number): Promise<number> {
  const known = h.versions.find((v) => v.fingerprint === fp && v.file.startsWith('revisions/'));
  if (known && existsSync(path.join(archive, known.file))) return known.seen;
  const current = h.versions.find((v) => v.fingerprint === fp && !v.file.startsWith('revisions/'));
  let seen = Math.trunc(seenHint ?? current?.seen ?? rec.updatedAt);
  const dir = revisionsDir(rec);
  const bytes = renderArticleFile(version);
  for (;;) {
    const file = path.join(archive, dir, `${seen}.md`);
    if (!existsSync(file) || readFileSync(file, 'utf8') === bytes) break;
    seen++;
  }
  const rel = `${dir}/${seen}.md`;
  await writeFileAtomic(path.join(archive, rel), bytes);
  h.versions = h.versions.filter((v) => !(v.fingerprint === fp && v.file.startsWith('revisions/')));
  h.versions.push({ seen, file: rel, title: version.title, fingerprint: fp });
  h.versions.sort((a, b) => order(a) - order(b));
  return seen;
}

/**
 * An older version of a stored story that came in the same fetch as the newer one (the newer won): kept as a
 * revision when no version on record reads the same. `seen` is when the source says it was that version.
 */
export async function keepSuperseded(archive: string, index: ArchiveIndex, rec: ArticleRecord, older: ArticleFile, seen: number): Promise<boolean> {
  const current = parseArticleFile(readFileSync(path.join(archive, rec.path), 'utf8'), rec.path);
  const fpCur = fingerprint(current.title, current.body);
  const fp = fingerprint(older.title, older.body);
  const h = readHistory(archive, rec) ?? emptyHistory(rec);
  if (fp === fpCur || h.versions.some((v) => v.fingerprint === fp)) return false;
  if (!h.versions.some((v) => v.fingerprint === fpCur)) h.versions.push({ seen: Math.max(seen + 1, rec.updatedAt), file: rec.path, title: current.title, fingerprint: fpCur });
  await keepVersion(archive, h, rec, older, fp, seen);
  h.events.push({ at: seen, event: 'edited', detail: fpCur });
  await saveHistory(archive, index, h);
  return true;
}

/** An older version of a story from the same feed, as the feed gave it (see keepOlderVersions). */
export interface OlderVersion {
  /** Its title ('' for none: the stored title). */
  title: string;
  link: string;
  /** Its cleaned body, or null when the body is the page's (only the newest was fetched): the stored body. */
  body: string | null;
  /** When the source says it was that version. */
  seen: number;
}

/**
 * The older versions that came in the same feed as a stored story's newest: each is kept as a revision of the
 * stored story (keepSuperseded) unless a version on record reads the same. A body that would need the page
 * is the page's, so only its title can differ. Nothing is kept for a story whose file is not written yet.
 */
export async function keepOlderVersions(archive: string, index: ArchiveIndex, rec: ArticleRecord, older: OlderVersion[]): Promise<void> {
  if (!rec.contentHash || !existsSync(path.join(archive, rec.path))) return;
  const stored = parseArticleFile(readFileSync(path.join(archive, rec.path), 'utf8'), rec.path);
  for (const v of older) {
    await keepSuperseded(archive, index, rec, { published: stored.published, title: v.title || stored.title, link: v.link, body: v.body ?? stored.body }, v.seen);
  }
}

/** Record what a re-check concluded about the source (suspected, gone, back, cleared) in status.json. */
export async function recordSourceState(archive: string, index: ArchiveIndex, rec: ArticleRecord, state: SourceState, event: HistoryEvent): Promise<void> {
  const h = readHistory(archive, rec) ?? emptyHistory(rec);
  h.article = rec.path;
  if (h.versions.length === 0) {
    const current = parseArticleFile(readFileSync(path.join(archive, rec.path), 'utf8'), rec.path);
    h.versions.push({ seen: rec.updatedAt, file: rec.path, title: current.title, fingerprint: fingerprint(current.title, current.body) });
  }
  if (state === 'gone' && h.state !== 'gone') {
    // The deletion dates from its first sighting (the suspicion that this confirms).
    const suspected = [...h.events].reverse().find((e) => e.event === 'suspected');
    h.goneSince = suspected && h.state === 'suspect' ? suspected.at : event.at;
  }
  if (state !== 'gone') h.goneSince = null;
  h.state = state;
  h.events.push(event);
  await saveHistory(archive, index, h);
}

// ---------------------------------------------------------------- the index's copy

/** One line of the index's copy of the histories: what lists and pages need without reading files. */
export interface HistoryRow {
  site: string;
  id: number;
  state: SourceState;
  goneSince: number | null;
  /** When the newest version was first seen, if the story has more than one. */
  editedAt: number | null;
  versions: number;
}

function historyTable(index: ArchiveIndex) {
  const db = index.db;
  db.exec(`CREATE TABLE IF NOT EXISTS revision_history (site TEXT NOT NULL, id INTEGER NOT NULL, state TEXT NOT NULL, gone_since INTEGER,
    edited_at INTEGER, versions INTEGER NOT NULL, PRIMARY KEY (site, id)) WITHOUT ROWID`);
  const put = db.prepare(`INSERT INTO revision_history (site, id, state, gone_since, edited_at, versions) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(site, id) DO UPDATE SET state = excluded.state, gone_since = excluded.gone_since, edited_at = excluded.edited_at, versions = excluded.versions`);
  return {
    put(h: ArticleHistory) {
      const revs = h.versions.filter((v) => v.file.startsWith('revisions/')).length;
      const newest = h.versions[h.versions.length - 1];
      put.run(h.site, h.id, h.state, h.goneSince, revs > 0 && newest ? newest.seen : null, h.versions.length);
    },
    all(): HistoryRow[] {
      return (db.prepare('SELECT site, id, state, gone_since AS goneSince, edited_at AS editedAt, versions FROM revision_history').all() as HistoryRow[]);
    },
  };
}

/** Every story with a history (edited, or gone at the source), from the index. */
export function histories(index: ArchiveIndex): HistoryRow[] {
  return historyTable(index).all();
}

/** The index's copy of one story's history, or null. */
export function historyOf(index: ArchiveIndex, site: string, id: number): HistoryRow | null {
  historyTable(index);
  return (index.db.prepare('SELECT site, id, state, gone_since AS goneSince, edited_at AS editedAt, versions FROM revision_history WHERE site = ? AND id = ?').get(site, id) as HistoryRow | undefined) ?? null;
}

/**
 * The mark a list line of the Git host carries for a story with a history: written inside the link text, so
 * `M-D [title](/path)` keeps its shape for every reader that parses it.
 */
export function listMark(h: HistoryRow | null | undefined): string {
  if (!h) return '';
  if (h.state === 'gone') return '〔原文已删除〕';
  return h.editedAt !== null ? '〔原文已修改〕' : '';
}

/** Stories edited (more than one version) or removed (gone) at the source, newest event first. */
export function changedStories(
  index: ArchiveIndex,
  kind: 'edited' | 'removed',
  limit: number,
): { site: string; id: number; path: string; title: string; link: string; published: number; contentHash: string; at: number }[] {
  historyTable(index);
  const at = kind === 'edited' ? 'h.edited_at' : 'h.gone_since';
  const where = kind === 'edited' ? 'h.edited_at IS NOT NULL' : "h.state = 'gone' AND h.gone_since IS NOT NULL";
  return index.db
    .prepare(`SELECT a.site AS site, a.id AS id, a.path AS path, a.title AS title, a.link AS link, a.published AS published, a.content_hash AS contentHash, ${at} AS at
      FROM revision_history h JOIN articles a ON a.site = h.site AND a.id = h.id WHERE ${where} AND a.content_hash != '' ORDER BY ${at} DESC, a.site, a.id LIMIT ?`)
    .all(Math.min(limit, Number.MAX_SAFE_INTEGER)) as ReturnType<typeof changedStories>;
}

// ---------------------------------------------------------------- import and verify

/** Folder under articles/ → site key, from the index. */
function folderSites(index: ArchiveIndex): Map<string, string> {
  return new Map(index.folders().map((f) => [f.folder, f.site]));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Fill the index's copy of the histories from every revisions/<folder>/<id>/status.json (after the articles
 * are imported). Returns how many were read; an unreadable one is named in `skipped`.
 */
export function importRevisions(archive: string, index: ArchiveIndex): { histories: number; revisions: number; skipped: string[] } {
  const table = historyTable(index);
  const out = { histories: 0, revisions: 0, skipped: [] as string[] };
  const sites = folderSites(index);
  index.transaction(() => {
    index.db.exec('DELETE FROM revision_history');
    for (const folder of listDir(path.join(archive, 'revisions'))) {
      for (const id of listDir(path.join(archive, 'revisions', folder))) {
        const rel = `revisions/${folder}/${id}/${STATUS}`;
        try {
          const h = JSON.parse(readFileSync(path.join(archive, rel), 'utf8')) as ArticleHistory;
          if (!Array.isArray(h.versions) || typeof h.id !== 'number') throw new Error('not a status file');
          // The site key as the index knows this folder (a config may have renamed the abbr).
          table.put({ ...h, site: sites.get(folder) ?? h.site });
          out.histories++;
          out.revisions += h.versions.filter((v) => v.file.startsWith('revisions/')).length;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          out.skipped.push(`${rel}: ${errorMessage(err)}`);
        }
      }
    }
  });
  return out;
}

/**
 * Check revisions/: every status.json parses and belongs to an indexed article, every version it lists
 * exists and parses, every revision file is listed, and the index's copy agrees. Returns problems, one line each.
 */
export function verifyRevisions(archive: string, index: ArchiveIndex): { files: number; problems: string[] } {
  const problems: string[] = [];
  let files = 0;
  const sites = folderSites(index);
  const rows = new Map(histories(index).map((r) => [`${r.site}\u0000${r.id}`, r]));
  const seen = new Set<string>();
  for (const folder of listDir(path.join(archive, 'revisions'))) {
    for (const id of listDir(path.join(archive, 'revisions', folder))) {
      const dir = `revisions/${folder}/${id}`;
      const names = listDir(path.join(archive, dir));
      let h: ArticleHistory | null = null;
      try {
        h = JSON.parse(readFileSync(path.join(archive, dir, STATUS), 'utf8')) as ArticleHistory;
      } catch (err) {
        problems.push(`${dir}/${STATUS}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : errorMessage(err)}`);
      }
      const listed = new Set(h?.versions.map((v) => v.file) ?? []);
      for (const name of names) {
        if (name === STATUS || name.startsWith('.')) continue;
        files++;
        const rel = `${dir}/${name}`;
        try {
          parseArticleFile(readFileSync(path.join(archive, rel), 'utf8'), rel);
        } catch (err) {
          problems.push(errorMessage(err));
        }
        if (h && !listed.has(rel)) problems.push(`${rel}: revision file not listed in ${dir}/${STATUS}`);
      }
      if (!h) continue;
      const site = sites.get(folder) ?? h.site;
      const rec = index.get(site, Number(id));
      if (!rec || rec.path !== h.article) problems.push(`${dir}/${STATUS}: belongs to ${h.article}, which the index does not hold as ${site}/${id}`);
      for (const v of h.versions) if (!existsSync(path.join(archive, v.file))) problems.push(`${dir}/${STATUS}: version ${v.file} is missing`);
      const key = `${site}\u0000${Number(id)}`;
      seen.add(key);
      const row = rows.get(key);
      if (!row || row.state !== h.state || row.versions !== h.versions.length) problems.push(`${dir}/${STATUS}: the index's copy differs (run verify --repair)`);
    }
  }
  for (const [key, row] of rows) if (!seen.has(key)) problems.push(`index: history of ${row.site}/${row.id} has no status.json`);
  return { files, problems };
}
