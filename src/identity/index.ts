/**
 * Identity stage: knows every stored article (an SQLite index inside the archive, rebuildable from the files)
 * and decides whether an item is a story already stored. Same story when its guid or its canonical link
 * matches; a title match within a few days is only a candidate, accepted when the texts are near-identical
 * (nearIdentical): a title alone never makes two stories one (daily round-ups share titles). The decisions on
 * one item (story.ts): newestPerStory within a feed, matchStoredStory against the archive, allocateId for a new one.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { NewsmirrorError } from '../errors.js';
import type { ArticleRecord, Validators } from '../types.js';

export { allocateId, matchStoredStory, newestPerStory, sameAsStored, versionTime, type FeedStory, type IdPlan, type ReadStored } from './story.js';

/** Window within which an item with the same normalised title is a candidate for the same story. */
export const TITLE_WINDOW_MS = 3 * 24 * 3600 * 1000;
/**
 * The first id of a site: 0xFFFFF − 1 = 1048574, as the original counted (it started from 0xFFFFF and took
 * one off before writing); every later article takes the smallest id minus one.
 */
export const FIRST_ID = 0xfffff - 1;
/** The original's CDT ids: `0xFFFFF ^ <WordPress post id>` (its performCDT). */
export const WORDPRESS_ID_MASK = 0xfffff;

/**
 * The id the original gave a WordPress post: `0xFFFFF ^ p`, with `p` from `?p=<n>` in the guid (WordPress
 * guids are `https://host/?p=<n>`), else in the link; null when neither names a post.
 */
export function wordpressId(guid: string | null, link: string | null): number | null {
  for (const s of [guid, link]) {
    const m = s ? /[?&]p=(\d{1,9})(?:[&#]|$)/.exec(s) : null;
    if (m) return WORDPRESS_ID_MASK ^ Number(m[1]);
  }
  return null;
}

/**
 * Query parameters that identify a campaign, a referrer or a reader, never a story, so two links that differ
 * only in them are one story. Kept to names known as tracking: dropping a parameter that does identify a
 * story (`id`, `cid`, `aid`, `p` …) would merge two stories into one, which is worse than a duplicate.
 *   utm_*, at_* (AT Internet), wt.* (Webtrends), share*, fbclid, gclid, dclid, msclkid, yclid, mc_cid,
 *   mc_eid, igshid, _ga, _gl, spm, scm (Alibaba), from (WeChat/Weibo), ref, ref_src, ref_url, referrer,
 *   ncid, cmpid, ocid, s_cid, xtor, __twitter_impression.
 */
export const TRACKING_PARAMS =
  /^(?:utm_\w+|at_\w+|wt\.\w+|share\w*|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|_ga|_gl|spm|scm|from|ref|ref_src|ref_url|referrer|ncid|cmpid|ocid|s_cid|xtor|__twitter_impression)$/i;

/**
 * The link as one story's key: scheme dropped (http and https are the same story), host lowercased without
 * `www.` and default port, fragment and tracking parameters (TRACKING_PARAMS) dropped, the rest sorted,
 * trailing `/` removed except at the root. Not a URL: the trimmed input.
 */
export function canonicalLink(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return url.trim();
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return u.href;
  const params = [...u.searchParams].filter(([k]) => !TRACKING_PARAMS.test(k)).sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const query = params.length ? '?' + new URLSearchParams(params).toString() : '';
  let p = u.pathname;
  if (p.length > 1) p = p.replace(/\/+$/, '');
  // The other scheme's default port is no part of the story either (http://x:443 is rare but seen).
  const host = u.hostname.replace(/^www\./, '') + (u.port && u.port !== '80' && u.port !== '443' ? `:${u.port}` : '');
  return `//${host}${p}${query}`;
}

/** A title reduced to its letters and digits (NFKC, lowercase) so punctuation and spacing differences match. */
export function normalizeTitle(title: string): string {
  return title.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** A further file of a stored story under the same id (see the article_aliases table). */
export interface ArticleAlias {
  site: string;
  id: number;
  path: string;
  canonicalLink: string;
  title: string;
  listTitle: string | null;
  undated: boolean;
  published: number;
  contentHash: string;
}

/** One line of a site's list: a file of a written story. */
export interface ListEntry {
  id: number;
  path: string;
  title: string;
  /** The title as the file spells it (ReadArticle.rawTitle), or null for records written before it was kept. */
  listTitle: string | null;
  /** The file has no timestamp line: its list line has no date, as the original wrote it. */
  undated: boolean;
  published: number;
}

interface AliasRow {
  site: string;
  id: number;
  path: string;
  title: string;
  list_title: string | null;
  undated: number;
  published: number;
  content_hash: string;
  canonical?: string;
}

function toAlias(r: AliasRow): ArticleAlias {
  return {
    site: r.site,
    id: r.id,
    path: r.path,
    canonicalLink: r.canonical ?? '',
    title: r.title,
    listTitle: r.list_title,
    undated: r.undated === 1,
    published: r.published,
    contentHash: r.content_hash,
  };
}

/** The columns of an ArticleListing, as a query's start. */
const LISTING = 'SELECT site, id, path, title, link, published, content_hash AS contentHash FROM articles';

/** An article as lists and pages show it. */
export interface ArticleListing {
  site: string;
  id: number;
  path: string;
  title: string;
  link: string;
  published: number;
  contentHash: string;
}

export interface StoryProbe {
  guid: string | null;
  canonicalLink: string | null;
  normTitle: string | null;
  published: number;
}

interface Row {
  site: string;
  id: number;
  path: string;
  guid: string | null;
  link: string;
  canonical: string;
  title: string;
  norm_title: string;
  published: number;
  content_hash: string;
  source_hash: string | null;
  first_seen: number;
  updated_at: number;
  list_title: string | null;
  undated: number;
}

function toRecord(r: Row): ArticleRecord {
  return {
    site: r.site,
    id: r.id,
    path: r.path,
    guid: r.guid,
    link: r.link,
    canonicalLink: r.canonical,
    title: r.title,
    normTitle: r.norm_title,
    published: r.published,
    contentHash: r.content_hash,
    sourceHash: r.source_hash,
    firstSeen: r.first_seen,
    updatedAt: r.updated_at,
    listTitle: r.list_title ?? null,
    undated: r.undated === 1,
  };
}

const SCHEMA_VERSION = '1';

/**
 * Written articles per site, kept by triggers, so that every way a row changes keeps them right. Counting a
 * site's articles (README, lists, the website's index page: every run that archives something) is then one row:
 * COUNT(*) read the whole table, 100 ms per run at 100k articles, and growing with the archive. Added to
 * indexes made before it (and filled from the table once): older versions of newsmirror keep it right too,
 * since the triggers live in the database.
 */
const SITE_COUNTS = `
  CREATE TABLE site_counts (site TEXT PRIMARY KEY, written INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER articles_count_insert AFTER INSERT ON articles WHEN NEW.content_hash != '' BEGIN
    INSERT INTO site_counts (site, written) VALUES (NEW.site, 1) ON CONFLICT(site) DO UPDATE SET written = written + 1;
  END;
  CREATE TRIGGER articles_count_delete AFTER DELETE ON articles WHEN OLD.content_hash != '' BEGIN
    UPDATE site_counts SET written = written - 1 WHERE site = OLD.site;
  END;
  CREATE TRIGGER articles_count_update AFTER UPDATE OF site, content_hash ON articles
  WHEN OLD.site != NEW.site OR (OLD.content_hash != '') != (NEW.content_hash != '') BEGIN
    UPDATE site_counts SET written = written - 1 WHERE site = OLD.site AND OLD.content_hash != '';
    INSERT INTO site_counts (site, written) SELECT NEW.site, 1 WHERE NEW.content_hash != ''
      ON CONFLICT(site) DO UPDATE SET written = written + 1;
  END;
  INSERT INTO site_counts (site, written) SELECT site, COUNT(*) FROM articles WHERE content_hash != '' GROUP BY site;
`;

/** The archive's index: `<root>/.newsmirror/index.db`. Synchronous, prepared statements cached. */
export class ArchiveIndex {
  /** The database, for stages that keep their own tables in the index (page cache, images). */
  readonly db: Database.Database;
  private readonly stmts: Record<string, Database.Statement>;

  private constructor(db: Database.Database) {
    this.db = db;
    this.stmts = {
      // Each lookup is answered by its own index, newest story first (smallest id; the id is the last index
      // column): an ORDER BY on the primary key instead made SQLite walk a site's whole range, so a run's cost
      // grew with the archive (1.5 ms per item at 100k articles). Newest, because a story the original stored
      // twice is updated in its latest copy, the one its list shows first.
      byGuid: db.prepare('SELECT * FROM articles INDEXED BY articles_guid WHERE site = ? AND guid = ? ORDER BY site, guid, id ASC LIMIT 1'),
      byLink: db.prepare('SELECT * FROM articles INDEXED BY articles_canonical WHERE site = ? AND canonical = ? ORDER BY site, canonical, id ASC LIMIT 1'),
      byTitle: db.prepare('SELECT * FROM articles INDEXED BY articles_title WHERE site = ? AND norm_title = ? AND published BETWEEN ? AND ? ORDER BY published DESC LIMIT 20'),
      aliasByLink: db.prepare('SELECT site, id FROM article_aliases WHERE site = ? AND canonical = ? ORDER BY id ASC LIMIT 1'),
      aliasesOf: db.prepare('SELECT path FROM article_aliases WHERE site = ? AND id = ? ORDER BY path'),
      aliasUpsert: db.prepare(`INSERT INTO article_aliases (site, id, path, canonical, title, list_title, undated, published, content_hash)
        VALUES (@site, @id, @path, @canonical, @title, @list_title, @undated, @published, @content_hash)
        ON CONFLICT(site, path) DO UPDATE SET id = excluded.id, canonical = excluded.canonical, title = excluded.title, list_title = excluded.list_title,
          undated = excluded.undated, published = excluded.published, content_hash = excluded.content_hash`),
      aliasesUpTo: db.prepare('SELECT site, id, path, title, list_title, undated, published, content_hash FROM article_aliases WHERE site = ? AND id <= ? ORDER BY id, path'),
      allAliases: db.prepare('SELECT site, id, path, title, list_title, undated, published, content_hash FROM article_aliases ORDER BY site, id, path'),
      clearAliases: db.prepare('DELETE FROM article_aliases'),
      minId: db.prepare('SELECT MIN(id) AS m FROM articles WHERE site = ?'),
      minReserved: db.prepare('SELECT MIN(id) AS m FROM reserved WHERE site = ?'),
      reservedAt: db.prepare('SELECT 1 FROM reserved WHERE site = ? AND id = ? LIMIT 1'),
      reserve: db.prepare('INSERT INTO reserved (site, id, path) VALUES (?, ?, ?) ON CONFLICT(site, id, path) DO NOTHING'),
      // From the counts, not the articles: DISTINCT over the articles read the whole table (160 ms on a 100k
      // index read cold, on every run).
      sites: db.prepare('SELECT site FROM site_counts WHERE written > 0 ORDER BY site'),
      // 'articles/' is 9 characters: the folder is what lies between it and the next '/'.
      folders: db.prepare("SELECT DISTINCT site, substr(path, 10, instr(substr(path, 10), '/') - 1) AS folder FROM articles WHERE path LIKE 'articles/%/%'"),
      folder: db.prepare('SELECT path FROM articles WHERE site = ? ORDER BY id ASC LIMIT 1'),
      upsert: db.prepare(`INSERT INTO articles (site, id, path, guid, link, canonical, title, norm_title, published, content_hash, source_hash, first_seen, updated_at, list_title, undated)
        VALUES (@site, @id, @path, @guid, @link, @canonical, @title, @norm_title, @published, @content_hash, @source_hash, @first_seen, @updated_at, @list_title, @undated)
        ON CONFLICT(site, id) DO UPDATE SET path = excluded.path, guid = excluded.guid, link = excluded.link, canonical = excluded.canonical,
          title = excluded.title, norm_title = excluded.norm_title, published = excluded.published, content_hash = excluded.content_hash,
          source_hash = excluded.source_hash, first_seen = excluded.first_seen, updated_at = excluded.updated_at,
          list_title = excluded.list_title, undated = excluded.undated`),
      get: db.prepare('SELECT * FROM articles WHERE site = ? AND id = ?'),
      newest: db.prepare("SELECT * FROM articles WHERE site = ? AND content_hash != '' ORDER BY id ASC LIMIT ?"),
      count: db.prepare('SELECT COALESCE(SUM(written), 0) AS n FROM site_counts WHERE site = ?'),
      countAll: db.prepare('SELECT COALESCE(SUM(written), 0) AS n FROM site_counts'),
      all: db.prepare('SELECT * FROM articles ORDER BY site, id'),
      // Listings for rendering: only the columns pages need, named as the objects want them (no second object
      // per row; at 100k articles the full records were most of a website render's garbage).
      listing: db.prepare(`${LISTING} WHERE site = ? AND content_hash != '' ORDER BY id ASC LIMIT ? OFFSET ?`),
      between: db.prepare(`${LISTING} INDEXED BY articles_published WHERE published >= ? AND published < ? AND content_hash != ''`),
      newer: db.prepare(`${LISTING} WHERE site = ? AND id < ? AND content_hash != '' ORDER BY id DESC LIMIT ?`),
      older: db.prepare(`${LISTING} WHERE site = ? AND id > ? AND content_hash != '' ORDER BY id ASC LIMIT ?`),
      one: db.prepare(`${LISTING} WHERE site = ? AND id = ? AND content_hash != ''`),
      rank: db.prepare("SELECT COUNT(*) AS n FROM articles WHERE site = ? AND id < ? AND content_hash != ''"),
      markChanged: db.prepare('INSERT INTO render_changes (site, id) VALUES (?, ?) ON CONFLICT(site, id) DO NOTHING'),
      changes: db.prepare('SELECT c.site AS site, c.id AS id, a.published AS published FROM render_changes c JOIN articles a ON a.site = c.site AND a.id = c.id'),
      clearChanges: db.prepare('DELETE FROM render_changes'),
      span: db.prepare('SELECT MIN(published) AS oldest, MAX(published) AS newest FROM articles'),
      getValidators: db.prepare('SELECT etag, last_modified FROM validators WHERE url = ?'),
      setValidators: db.prepare('INSERT INTO validators (url, etag, last_modified) VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      clear: db.prepare('DELETE FROM articles'),
      listEntries: db.prepare("SELECT site, id, path, title, list_title, undated, published FROM articles WHERE site = ? AND content_hash != '' ORDER BY id ASC LIMIT ?"),
      clearReserved: db.prepare('DELETE FROM reserved'),
      clearCounts: db.prepare('DELETE FROM site_counts'),
    };
  }

  /** Open (creating if needed) the index of the archive at `root`. */
  static open(root: string): ArchiveIndex {
    const dir = path.join(root, '.newsmirror');
    mkdirSync(dir, { recursive: true });
    const db = new Database(path.join(dir, 'index.db'));
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; the files, not the index, are the record.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // Every upsert fires a site_counts trigger, so SQLite keeps a statement journal for it: in a temp file that
    // tripled the cost of an insert (import of 100k articles 5.5 → 9.3 s); in memory it is a few percent.
    db.pragma('temp_store = MEMORY');
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS articles (
        site TEXT NOT NULL, id INTEGER NOT NULL, path TEXT NOT NULL, guid TEXT, link TEXT NOT NULL,
        canonical TEXT NOT NULL, title TEXT NOT NULL, norm_title TEXT NOT NULL, published INTEGER NOT NULL,
        content_hash TEXT NOT NULL, source_hash TEXT, first_seen INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (site, id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS articles_guid ON articles (site, guid, id);
      CREATE INDEX IF NOT EXISTS articles_canonical ON articles (site, canonical, id);
      CREATE INDEX IF NOT EXISTS articles_title ON articles (site, norm_title, published);
      CREATE INDEX IF NOT EXISTS articles_published ON articles (published);
      CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
      -- Articles written or changed since the website was last rendered (every upsert adds its row; the render
      -- takes them and clears the table), so a render touches only what changed.
      CREATE TABLE IF NOT EXISTS render_changes (site TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (site, id)) WITHOUT ROWID;
      -- Ids of files that exist but could not be indexed (corrupt): never handed out again.
      CREATE TABLE IF NOT EXISTS reserved (site TEXT NOT NULL, id INTEGER NOT NULL, path TEXT NOT NULL, PRIMARY KEY (site, id, path)) WITHOUT ROWID;
      -- Further files of a story under the same id (the original wrote a second <id>_<title>.md when a title
      -- changed upstream): kept, listed and verified, never rewritten. The story itself is the articles row.
      CREATE TABLE IF NOT EXISTS article_aliases (
        site TEXT NOT NULL, id INTEGER NOT NULL, path TEXT NOT NULL, canonical TEXT NOT NULL, title TEXT NOT NULL,
        list_title TEXT, undated INTEGER NOT NULL DEFAULT 0, published INTEGER NOT NULL, content_hash TEXT NOT NULL,
        PRIMARY KEY (site, path)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS article_aliases_canonical ON article_aliases (site, canonical);
      CREATE INDEX IF NOT EXISTS article_aliases_id ON article_aliases (site, id);
    `);
    // Columns added after the first release (additive, so older indexes keep working): how the file's list entry
    // reads (its title as spelled in the file; no date for the original's files without a timestamp line).
    const cols = new Set((db.prepare('PRAGMA table_info(articles)').all() as { name: string }[]).map((c) => c.name));
    if (!cols.has('list_title')) {
      db.exec('ALTER TABLE articles ADD COLUMN list_title TEXT');
      // An index made before: the next run imports the archive again (idempotent, keeps guids and source hashes),
      // which fills the new columns and indexes the files earlier versions skipped (no timestamp, second file of an id).
      if (cols.size > 0) db.exec("DELETE FROM meta WHERE key = 'imported'");
    }
    if (!cols.has('undated')) db.exec('ALTER TABLE articles ADD COLUMN undated INTEGER NOT NULL DEFAULT 0');
    const version = (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value;
    if (version !== undefined && version !== SCHEMA_VERSION) {
      db.close();
      // The files are the record: an index of another version is rebuilt from them, never guessed at.
      throw new NewsmirrorError('corrupt_archive', `${path.join(dir, 'index.db')}: index schema ${version}, expected ${SCHEMA_VERSION}; delete it and run \`newsmirror import\``);
    }
    const hasCounts = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_counts'").get() !== undefined;
    if (!hasCounts()) {
      // IMMEDIATE: two processes opening an index made before the counts add them once.
      db.transaction(() => {
        if (!hasCounts()) db.exec(SITE_COUNTS);
      }).immediate();
    }
    const index = new ArchiveIndex(db);
    if (version === undefined) index.setMeta('schema', SCHEMA_VERSION);
    return index;
  }

  /** Close the database (the WAL is checkpointed by SQLite). */
  close(): void {
    this.db.close();
  }

  /** Run `fn` in one transaction (batching makes imports fast). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * The stored story `probe` certainly is, or null: by guid, then by canonical link (a further file of a story,
   * see article_aliases, counts). A title alone is never enough: see titleCandidates.
   */
  findStory(site: string, probe: StoryProbe): ArticleRecord | null {
    let row: Row | undefined;
    if (probe.guid) row = this.stmts.byGuid!.get(site, probe.guid) as Row | undefined;
    if (!row && probe.canonicalLink) row = this.stmts.byLink!.get(site, probe.canonicalLink) as Row | undefined;
    if (!row && probe.canonicalLink) {
      const a = this.stmts.aliasByLink!.get(site, probe.canonicalLink) as { site: string; id: number } | undefined;
      if (a) row = this.stmts.get!.get(a.site, a.id) as Row | undefined;
    }
    return row ? toRecord(row) : null;
  }

  /**
   * Stored stories with the same normalised title within TITLE_WINDOW_MS of `probe.published`, newest first:
   * the same story only if their texts are near-identical (the caller checks, nearIdentical).
   */
  titleCandidates(site: string, probe: StoryProbe): ArticleRecord[] {
    if (!probe.normTitle) return [];
    const rows = this.stmts.byTitle!.all(site, probe.normTitle, probe.published - TITLE_WINDOW_MS, probe.published + TITLE_WINDOW_MS) as Row[];
    return rows.map(toRecord);
  }

  /** Whether `id` of `site` is taken: by a story, a further file of one, or a file the index could not read. */
  idTaken(site: string, id: number): boolean {
    if (this.stmts.get!.get(site, id)) return true;
    if ((this.stmts.aliasesOf!.all(site, id) as unknown[]).length > 0) return true;
    return (this.stmts.reservedAt!.get(site, id) as unknown) !== undefined;
  }

  /** Record a further file of story (site, id): the original's second file under one id. */
  upsertAlias(a: ArticleAlias): void {
    this.stmts.aliasUpsert!.run({
      site: a.site,
      id: a.id,
      path: a.path,
      canonical: a.canonicalLink,
      title: a.title,
      list_title: a.listTitle,
      undated: a.undated ? 1 : 0,
      published: a.published,
      content_hash: a.contentHash,
    });
  }

  /** The paths of the further files of story (site, id), in name order. */
  aliasPaths(site: string, id: number): string[] {
    return (this.stmts.aliasesOf!.all(site, id) as { path: string }[]).map((r) => r.path);
  }

  /** Every further file of every story (verify). */
  allAliases(): ArticleAlias[] {
    return (this.stmts.allAliases!.all() as AliasRow[]).map(toAlias);
  }

  /**
   * What a site's list shows, newest first, at most `limit`: every file of every written story (further files
   * of one id included), ordered by id, then by file name (UTF-8 bytes, as the original's sorted readdir).
   */
  listEntries(site: string, limit: number): ListEntry[] {
    const n = Math.min(limit, Number.MAX_SAFE_INTEGER);
    const rows = this.stmts.listEntries!.all(site, n) as { id: number; path: string; title: string; list_title: string | null; undated: number; published: number }[];
    const out: ListEntry[] = rows.map((r) => ({ id: r.id, path: r.path, title: r.title, listTitle: r.list_title, undated: r.undated === 1, published: r.published }));
    if (out.length > 0) {
      const maxId = rows.length < n ? Number.MAX_SAFE_INTEGER : out[out.length - 1]!.id;
      const aliases = (this.stmts.aliasesUpTo!.all(site, maxId) as AliasRow[]).map(toAlias);
      if (aliases.length > 0) {
        for (const a of aliases) out.push({ id: a.id, path: a.path, title: a.title, listTitle: a.listTitle, undated: a.undated, published: a.published });
        out.sort((x, y) => x.id - y.id || Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)));
      }
    }
    return out.slice(0, n);
  }

  /** The id the next new article of `site` gets: FIRST_ID for the first, else the smallest id minus one. */
  nextId(site: string): number {
    const a = (this.stmts.minId!.get(site) as { m: number | null }).m;
    const r = (this.stmts.minReserved!.get(site) as { m: number | null }).m;
    const min = a === null ? r : r === null ? a : Math.min(a, r);
    return min === null ? FIRST_ID : min - 1;
  }

  /** Keep `id` of `site` from ever being handed out: a file holds it that the index cannot (a corrupt file). */
  reserveId(site: string, id: number, path: string): void {
    this.stmts.reserve!.run(site, id, path);
  }

  /** Every (site, folder) pair the index files articles under, for mapping folders back to sites. */
  folders(): { site: string; folder: string }[] {
    return this.stmts.folders!.all() as { site: string; folder: string }[];
  }

  /** Every site key that has written articles (configured abbrs and folders of sites not configured). */
  sites(): string[] {
    return (this.stmts.sites!.all() as { site: string }[]).map((r) => r.site);
  }

  /** The folder under articles/ that the site's files use (abbr or, in old archives, the display name). */
  folderOf(site: string): string | null {
    const r = this.stmts.folder!.get(site) as { path: string } | undefined;
    if (!r) return null;
    const parts = r.path.split('/');
    return parts.length >= 3 && parts[0] === 'articles' ? parts[1]! : null;
  }

  /** Insert or replace the record of (site, id). */
  upsert(rec: ArticleRecord): void {
    this.stmts.markChanged!.run(rec.site, rec.id);
    this.stmts.upsert!.run({
      site: rec.site,
      id: rec.id,
      path: rec.path,
      guid: rec.guid,
      link: rec.link,
      canonical: rec.canonicalLink,
      title: rec.title,
      norm_title: rec.normTitle,
      published: rec.published,
      content_hash: rec.contentHash,
      source_hash: rec.sourceHash ?? null,
      first_seen: rec.firstSeen,
      updated_at: rec.updatedAt,
      list_title: rec.listTitle ?? null,
      undated: rec.undated ? 1 : 0,
    });
  }

  /** Forget the record of (site, id): an article removed on request (`redact --remove`; reserve its id too). */
  remove(site: string, id: number): void {
    this.db.prepare('DELETE FROM articles WHERE site = ? AND id = ?').run(site, id);
  }

  /** The record of (site, id), pending or written, or null. */
  get(site: string, id: number): ArticleRecord | null {
    const r = this.stmts.get!.get(site, id) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  /** Written articles of `site`, newest first (ascending id, as the original's directory listing). */
  newest(site: string, limit: number): ArticleRecord[] {
    return (this.stmts.newest!.all(site, Math.min(limit, Number.MAX_SAFE_INTEGER)) as Row[]).map(toRecord);
  }

  /** Written articles of `site`, or of all sites. */
  count(site?: string): number {
    const r = (site === undefined ? this.stmts.countAll!.get() : this.stmts.count!.get(site)) as { n: number };
    return r.n;
  }

  /** What pages show of `site`'s written articles, newest first (ascending id), at most `limit`, after `offset`. */
  listing(site: string, limit: number, offset = 0): ArticleListing[] {
    return this.stmts.listing!.all(site, Math.min(limit, Number.MAX_SAFE_INTEGER), offset) as ArticleListing[];
  }

  /** Up to `k` newer and `k` older written neighbours of (site, id) with the article itself, newest first. */
  around(site: string, id: number, k: number): ArticleListing[] {
    const newer = (this.stmts.newer!.all(site, id, k) as ArticleListing[]).reverse();
    const self = this.stmts.one!.all(site, id) as ArticleListing[];
    const older = this.stmts.older!.all(site, id, k) as ArticleListing[];
    return [...newer, ...self, ...older];
  }

  /** How many written articles of `site` are newer than `id` (its place in newest-first order). */
  rank(site: string, id: number): number {
    return (this.stmts.rank!.get(site, id) as { n: number }).n;
  }

  /**
   * The articles written or changed since the website was rendered for `signature`, or null when it never was
   * (or for another signature: other templates, sites or time zone): then everything is to be rendered.
   */
  renderChanges(signature: string): { site: string; id: number; published: number }[] | null {
    if (this.getMeta('render-signature') !== signature) return null;
    return this.stmts.changes!.all() as { site: string; id: number; published: number }[];
  }

  /** The website is rendered for `signature`: the changes it covered are done. */
  renderDone(signature: string): void {
    this.transaction(() => {
      this.stmts.clearChanges!.run();
      this.setMeta('render-signature', signature);
    });
  }

  /** What pages show of the written articles of every site published in [from, to) (ms), in no particular order. */
  between(from: number, to: number): ArticleListing[] {
    return this.stmts.between!.all(from, to) as ArticleListing[];
  }

  /** The oldest and newest publication times in the index (pending records included), or null when empty. */
  span(): { oldest: number; newest: number } | null {
    const r = this.stmts.span!.get() as { oldest: number | null; newest: number | null };
    return r.oldest === null || r.newest === null ? null : { oldest: r.oldest, newest: r.newest };
  }

  /** Every record, pending ones included (verify and repair need them). */
  *all(): Iterable<ArticleRecord> {
    for (const r of this.stmts.all!.iterate() as Iterable<Row>) yield toRecord(r);
  }

  /**
   * Written articles first seen at or after `since` (ms), for the re-check stage: one scan inside SQLite rather
   * than every record of a large archive turned into an object on every run.
   */
  *seenSince(since: number): Iterable<ArticleRecord> {
    for (const r of this.db.prepare("SELECT * FROM articles WHERE first_seen >= ? AND content_hash != ''").iterate(since) as Iterable<Row>) yield toRecord(r);
  }

  /** Forget every article and id reservation (before rebuilding from the files). */
  clearArticles(): void {
    this.stmts.clear!.run();
    this.stmts.clearAliases!.run();
    this.stmts.clearReserved!.run();
    // Zero, whatever they said: a rebuild must not inherit counts that had gone wrong.
    this.stmts.clearCounts!.run();
    // Articles may be gone: the website is rendered whole next time.
    this.stmts.clearChanges!.run();
    this.stmts.setMeta!.run('render-signature', '');
  }

  /** The ETag / Last-Modified remembered for `url` (conditional GET), or null. */
  getValidators(url: string): Validators | null {
    const r = this.stmts.getValidators!.get(url) as { etag: string | null; last_modified: string | null } | undefined;
    return r ? { etag: r.etag, lastModified: r.last_modified } : null;
  }

  /** Remember the validators of `url` for the next run. */
  setValidators(url: string, v: Validators): void {
    this.stmts.setValidators!.run(url, v.etag, v.lastModified);
  }

  /** A small value other stages keep between runs, or null. */
  getMeta(key: string): string | null {
    const r = this.stmts.getMeta!.get(key) as { value: string } | undefined;
    return r ? r.value : null;
  }

  /** Set a small value other stages keep between runs. */
  setMeta(key: string, value: string): void {
    this.stmts.setMeta!.run(key, value);
  }
}

/** Characters per shingle of textSimilarity: five, about two or three Chinese words or one English word. */
export const SHINGLE = 5;
/** Jaccard similarity from which two texts are near-identical (the same story with a typo or a line edited). */
export const NEAR_IDENTICAL = 0.9;

/** Text reduced to its letters, digits and marks (NFKC, lowercase): spacing, punctuation and markup do not count. */
function letters(text: string): string[] {
  return [...text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}\p{M}]+/gu, '')];
}

/**
 * How alike two plain texts are: the Jaccard similarity of their sets of SHINGLE-character shingles (over
 * letters and digits only, see letters), in [0, 1]. Two empty texts are not alike at all (0): an item with no
 * text says nothing about which story it is. Texts shorter than a shingle are alike only when equal.
 */
export function textSimilarity(a: string, b: string): number {
  const x = letters(a);
  const y = letters(b);
  if (x.length === 0 || y.length === 0) return 0;
  if (x.length < SHINGLE || y.length < SHINGLE) return x.join('') === y.join('') ? 1 : 0;
  const sx = new Set<string>();
  for (let i = 0; i + SHINGLE <= x.length; i++) sx.add(x.slice(i, i + SHINGLE).join(''));
  const sy = new Set<string>();
  for (let i = 0; i + SHINGLE <= y.length; i++) sy.add(y.slice(i, i + SHINGLE).join(''));
  let common = 0;
  for (const s of sx) if (sy.has(s)) common++;
  return common / (sx.size + sy.size - common);
}

/** Whether two plain texts are near-identical: textSimilarity ≥ NEAR_IDENTICAL. */
export function nearIdentical(a: string, b: string): boolean {
  return textSimilarity(a, b) >= NEAR_IDENTICAL;
}
