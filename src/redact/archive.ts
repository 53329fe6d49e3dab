/**
 * `newsmirror redact`: record a rule in redactions.yaml, then apply it to what is already there — the article
 * files and revisions, the index (records, cached source pages, every other stored text), the rendered
 * outputs (rendered again, whole, from the redacted data), and finally a byte check of the whole tree.
 * Redact is the one command that removes archive files, because a person asked for it: `--remove` deletes the
 * article and its revisions and records that it did, so the archive says what was taken out, when and why.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { acquireRunLock, parseArticleFile, renderArticleFile, writeFileAtomic } from '../archive/index.js';
import { importRevisions } from '../revisions/index.js';
import { NewsmirrorError } from '../errors.js';
import { ArchiveIndex, canonicalLink, normalizeTitle } from '../identity/index.js';
import type { ArticleRecord, Config } from '../types.js';
import { fold, Matcher } from './match.js';
import { APPLIED_KEY, hashedMatcher, readRules, storyKeyHash, storyKeys, writeRules, type RedactionRule, type RemoveRule, type RulesFile } from './rules.js';

/** What replaces a redacted text when --replace is not given. */
export const DEFAULT_REPLACEMENT = '[已隐去]';
/** What replaces a removed story's title where a stale output still shows it. */
const REMOVED = '[已删除]';

export interface RedactRequest {
  /** An article file path (relative to `cwd` or the archive) or `<site>/<id>`. */
  target: string;
  cwd: string;
  /** The text to redact, or null with `remove`. */
  text: string | null;
  replace: string | null;
  remove: boolean;
  reason: string;
  now: Date;
}

export interface RedactReport {
  /** The rule as recorded (it holds no redacted text). */
  rule: RedactionRule;
  /** `<site>/<id>` and the article's path. */
  target: string;
  path: string;
  /** The same rule was already recorded: it was applied again, not recorded twice. */
  already: boolean;
  /** Archive-relative files rewritten (articles, revisions, index files, outputs). */
  rewritten: string[];
  /** Archive-relative files deleted. */
  removed: string[];
  /** Files whose name held the text: old path → new path. */
  renamed: Record<string, string>;
  /** Index rows changed, by table. */
  rows: Record<string, number>;
  /** Files that still hold the text after everything (none, unless an output cannot be rewritten). */
  remaining: string[];
}

/** Apply a new rule to the archive of `config`; `render` rebuilds every output (the pipeline's `render --all`). */
export async function redactArchive(config: Config, req: RedactRequest, hooks: { render(): Promise<unknown> }): Promise<RedactReport> {
  const root = config.archive;
  if (req.remove === (req.text !== null)) throw new NewsmirrorError('usage', 'redact: give either --text "<text>" or --remove');
  if (!req.reason.trim()) throw new NewsmirrorError('usage', 'redact: --reason "<why>" is required (it is recorded in redactions.yaml)');
  if (req.remove && req.replace !== null) throw new NewsmirrorError('usage', 'redact: --replace goes with --text, not --remove');
  const replace = req.replace ?? DEFAULT_REPLACEMENT;
  if (req.text !== null) {
    const folded = fold(req.text);
    // One character would take that character out of every article: never what a takedown asks.
    if ([...folded].length < 2) throw new NewsmirrorError('usage', 'redact: --text must be at least 2 visible characters');
    if (fold(replace).includes(folded)) throw new NewsmirrorError('usage', 'redact: --replace must not contain the text it replaces');
  }
  await mkdir(path.join(root, '.newsmirror'), { recursive: true });
  const lock = await acquireRunLock(root, { waitMs: 10_000 });
  const index = ArchiveIndex.open(root);
  const report: RedactReport = { rule: null as unknown as RedactionRule, target: '', path: '', already: false, rewritten: [], removed: [], renamed: {}, rows: {}, remaining: [] };
  // What the final sweep and check look for: the text (known here, so found by plain search), or a removed title.
  let known: Matcher | null = null;
  let removedPage: string | null = null;
  try {
    // The rules already recorded first, should this index not have seen them all.
    syncIndex(index, root, readRules(root));
    const rec = resolveTarget(index, root, req);
    report.target = `${rec.site}/${rec.id}`;
    report.path = rec.path;
    const rules = readRules(root);
    const folder = rec.path.split('/')[1]!;
    const revisionsDir = path.join(root, 'revisions', folder, String(rec.id));
    if (req.text !== null) {
      known = new Matcher(rules.salt, [], [{ text: req.text, replace }]);
      const match = known.hashOf(req.text);
      const existing = rules.rules.find((r) => r.action === 'text' && r.match === match);
      report.already = existing !== undefined;
      if (!report.already && !holdsText(known, [path.join(root, rec.path), ...filesUnder(revisionsDir)], rec)) {
        // The text is not echoed: error lines end up in CI logs, which are public.
        throw new NewsmirrorError('usage', `${rec.path}: the text to redact does not occur in this article or its revisions (nothing recorded)`);
      }
      // A reason that names the person ("at the request of …") must not put the name back into the archive.
      const reason = known.text(req.reason);
      report.rule = existing ?? { target: report.target, action: 'text', match, length: [...fold(req.text)].length, hint: known.hintOf(req.text), replace, reason, date: req.now.toISOString() };
      if (!report.already) await writeRules(root, { salt: rules.salt, rules: [...rules.rules, report.rule] });
      await rewriteFiles(root, known, report);
      rewriteRecords(index, root, known, report);
    } else {
      const keys = storyKeys({ guid: rec.guid, canonicalLink: rec.canonicalLink, normTitle: rec.normTitle, published: rec.published }).map((k) =>
        storyKeyHash(rules.salt, rec.site, k),
      );
      report.rule = { target: report.target, action: 'remove', path: rec.path, keys, published: rec.published, reason: req.reason, date: req.now.toISOString() };
      let title = rec.title;
      let body = '';
      try {
        ({ title, body } = parseArticleFile(readFileSync(path.join(root, rec.path), 'utf8'), rec.path));
      } catch {
        /* a file that does not parse: the index's title */
      }
      const images = ownImages(root, rec, body);
      // The rule first: a crash after it leaves a rule that runs obey and a second `redact --remove` completes.
      report.already = rules.rules.some((r) => r.action === 'remove' && r.target === report.target);
      if (!report.already) await writeRules(root, { salt: rules.salt, rules: [...rules.rules, report.rule] });
      // Its local images go too (a photo is often what a takedown is about), but not those other articles show.
      // The website keeps its copy of assets/ under _static/ (render's layout).
      const imageFiles = images.flatMap((a) => [path.join(root, a), path.join(config.siteDir, '_static', a)]);
      for (const f of [path.join(root, rec.path), revisionsDir, ...imageFiles]) {
        if (!existsSync(f)) continue;
        report.removed.push(...(statSync(f).isDirectory() ? filesUnder(f) : [f]).map((x) => rel(root, x)));
        rmSync(f, { recursive: true, force: true });
      }
      index.transaction(() => {
        index.remove(rec.site, rec.id);
        // Ids are never handed out twice: a reader's link to the removed story must not lead to another one.
        index.reserveId(rec.site, rec.id, rec.path);
      });
      count(report, 'fulltext_cache', forgetPage(index, rec.link));
      // Its title is looked for in the outputs only when no other article has the same one (else it rightly stays).
      const sameTitle = [...index.all()].some((r) => r.normTitle !== '' && r.normTitle === rec.normTitle);
      known = new Matcher(rules.salt, [], sameTitle || title.length < 2 ? [] : [{ text: title, replace: REMOVED }]);
      removedPage = path.join(config.siteDir, rec.site, `${rec.id}.html`);
    }
    rewriteIndexTexts(index, known!, report);
    // The index's copy of the histories follows their files (status.json, just rewritten or removed).
    importRevisions(root, index);
    finishIndex(index);
    index.setMeta(APPLIED_KEY, readRules(root).fingerprint);
  } finally {
    index.close();
    await lock.release();
  }
  await hooks.render();
  // The website page of a removed article is no longer rendered, so nothing else would delete it.
  if (removedPage && existsSync(removedPage)) {
    rmSync(removedPage);
    report.removed.push(rel(root, removedPage));
  }
  await sweep(config, known!, req.remove, report);
  return report;
}

function rel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

function count(report: RedactReport, table: string, n: number): void {
  if (n > 0) report.rows[table] = (report.rows[table] ?? 0) + n;
}

/**
 * `<site>/<id>` or a file path → the article's record; a clear error when it is not in the archive. A file the
 * index does not hold (the original script wrote some ids twice; import keeps neither copy) is taken as it is.
 */
function resolveTarget(index: ArchiveIndex, root: string, req: RedactRequest): ArticleRecord {
  const t = req.target.trim();
  let rec: ArticleRecord | null = null;
  const short = /^([^/\\]+)\/(\d{1,9})$/.exec(t);
  const siteOf = (folder: string) => index.folders().find((f) => f.folder === folder)?.site ?? folder;
  if (short && !existsSync(path.resolve(req.cwd, t))) {
    rec = index.get(siteOf(short[1]!), Number(short[2]));
  } else {
    const abs = [path.resolve(req.cwd, t), path.resolve(root, t)].find((p) => existsSync(p)) ?? path.resolve(req.cwd, t);
    const r = rel(root, abs);
    const m = /^articles\/([^/]+)\/(\d{1,9})(?:_.*)?\.md$/.exec(r);
    if (m) {
      const site = siteOf(m[1]!);
      const got = index.get(site, Number(m[2]));
      if (got && got.path === r) rec = got;
      else if (existsSync(abs)) rec = fileRecord(root, r, site, Number(m[2]));
    }
  }
  if (!rec || !rec.contentHash) throw new NewsmirrorError('usage', `redact: ${t}: no such article in ${root} (give articles/<folder>/<id>.md or <site>/<id>)`);
  return rec;
}

/** A record made from an article file the index does not hold. */
function fileRecord(root: string, relPath: string, site: string, id: number): ArticleRecord {
  const bytes = readFileSync(path.join(root, relPath));
  let a: { title: string; link: string; published: number };
  try {
    a = parseArticleFile(bytes.toString('utf8'), relPath);
  } catch {
    // Not in the format (the original wrote some without the timestamp line): its first `[title](link)`.
    const m = /^\[([^\n]*?)\]\(([^)\s]*)\)/m.exec(bytes.toString('utf8'));
    a = { title: m?.[1] ?? '', link: m?.[2] ?? '', published: 0 };
  }
  return {
    site,
    id,
    path: relPath,
    guid: null,
    link: a.link,
    canonicalLink: canonicalLink(a.link),
    title: a.title,
    normTitle: normalizeTitle(a.title),
    published: a.published,
    contentHash: createHash('sha256').update(bytes).digest('hex'),
    firstSeen: a.published,
    updatedAt: a.published,
  };
}

/** Archive-relative paths of the local images (`assets/…`) that `body` shows and no other article or revision of its folder does. */
function ownImages(root: string, rec: ArticleRecord, body: string): string[] {
  const folder = rec.path.split('/')[1]!;
  const mine = new Set([...body.matchAll(/\ssrc="(?:\.\.\/)+(assets\/[^"/]+\/[^"/]+)"/g)].map((m) => m[1]!));
  if (mine.size === 0) return [];
  const own = path.join(root, rec.path);
  for (const f of [...filesUnder(path.join(root, 'articles', folder)), ...filesUnder(path.join(root, 'revisions', folder))]) {
    if (f === own || f.startsWith(path.join(root, 'revisions', folder, String(rec.id)) + path.sep)) continue;
    const s = readFileSync(f, 'utf8');
    for (const a of mine) if (s.includes(a)) mine.delete(a);
    if (mine.size === 0) break;
  }
  return [...mine];
}

/** Every file under `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Whether any of `files` (or the record's own fields) holds the text. */
function holdsText(m: Matcher, files: string[], rec: ArticleRecord): boolean {
  if (m.text(rec.title) !== rec.title || m.url(rec.link) !== rec.link || (rec.guid !== null && m.url(rec.guid) !== rec.guid)) return true;
  return files.some((f) => {
    const s = readText(f);
    return s !== null && m.html(s) !== s;
  });
}

/** The file as UTF-8 text, or null when it is not text (binary: a NUL byte, or invalid UTF-8). */
function readText(file: string): string | null {
  const b = readFileSync(file);
  if (b.includes(0)) return null;
  const s = b.toString('utf8');
  return s.includes('\ufffd') && !Buffer.from(s, 'utf8').equals(b) ? null : s;
}

/** A file redacted: article files field by field, JSON string by string, other text as HTML. */
function redactFile(m: Matcher, file: string, s: string): string {
  if (file.endsWith('.md')) {
    try {
      const a = parseArticleFile(s, file);
      // Only a file in newsmirror's own shape is rendered again; one of the original's older shapes (no
      // timestamp line, a 日期 line) is redacted as text below, so that it keeps its shape and its other bytes.
      if (renderArticleFile(a) !== s) throw new Error('not in the current shape');
      const next = { published: a.published, title: m.text(a.title), link: m.url(a.link), body: m.html(a.body) };
      if (next.title === a.title && next.link === a.link && next.body === a.body) return s;
      return renderArticleFile(next);
    } catch {
      /* not an article file: as text */
    }
  }
  if (file.endsWith('.json')) {
    try {
      const v = JSON.parse(s) as unknown;
      const walk = (x: unknown): unknown =>
        typeof x === 'string'
          ? /^https?:\/\//i.test(x)
            ? m.url(x)
            : /<[a-z][^>]*>/i.test(x)
              ? m.html(x)
              : m.text(x)
          : Array.isArray(x)
            ? x.map(walk)
            : x && typeof x === 'object'
              ? Object.fromEntries(Object.entries(x).map(([k, y]) => [m.text(k), walk(y)]))
              : x;
      const out = walk(v);
      if (JSON.stringify(out) === JSON.stringify(v)) return s;
      const indent = /^[[{]\r?\n( +|\t)/.exec(s)?.[1] ?? '';
      return JSON.stringify(out, null, indent || undefined) + (s.endsWith('\n') ? '\n' : '');
    } catch {
      /* not JSON: as text */
    }
  }
  return m.html(s);
}

/**
 * Articles, revisions and the index folder's own text files (reports, manifests): rewritten where they hold the
 * text. An article file whose name holds it (the original's `<id>_<title>.md` style) is renamed `<id>.md`.
 */
async function rewriteFiles(root: string, m: Matcher, report: RedactReport): Promise<void> {
  const files = [...filesUnder(path.join(root, 'articles')), ...filesUnder(path.join(root, 'revisions'))];
  for (const f of filesUnder(path.join(root, '.newsmirror'))) if (!/index\.db|\.lock$|run-in-progress/.test(path.basename(f))) files.push(f);
  for (const file of files) {
    const s = readText(file);
    if (s === null) continue;
    const out = redactFile(m, file, s);
    if (out !== s && (await writeFileAtomic(file, out))) report.rewritten.push(rel(root, file));
  }
  for (const file of [...filesUnder(path.join(root, 'articles')), ...filesUnder(path.join(root, 'revisions'))]) {
    const name = path.basename(file);
    const renamed = m.text(name);
    if (renamed === name) continue;
    // The rest of the name stays: `<id>_<title>.md` keeps its style, only the text goes.
    const target = path.join(path.dirname(file), renamed);
    if (existsSync(target)) throw new NewsmirrorError('io', `${rel(root, file)}: cannot rename to ${rel(root, target)}: a file of that name exists`);
    renameSync(file, target);
    report.renamed[rel(root, file)] = rel(root, target);
  }
}

/** Index records: title, guid, link (and what is derived from them) redacted; hashes of rewritten files updated. */
function rewriteRecords(index: ArchiveIndex, root: string, m: Matcher, report: RedactReport): void {
  const changed: ArticleRecord[] = [];
  for (const r of index.all()) {
    const title = m.text(r.title);
    const link = m.url(r.link);
    const guid = r.guid === null ? null : m.url(r.guid);
    const p = report.renamed[r.path] ?? r.path;
    const fields = title !== r.title || link !== r.link || guid !== r.guid;
    let contentHash = r.contentHash;
    // The file is the record: a record that changed takes its file's hash (redacted here, or elsewhere before).
    if (contentHash && (fields || p !== r.path || report.rewritten.includes(p)) && existsSync(path.join(root, p))) {
      contentHash = createHash('sha256').update(readFileSync(path.join(root, p))).digest('hex');
    }
    if (!fields && p === r.path && contentHash === r.contentHash) continue;
    changed.push({
      ...r,
      path: p,
      title,
      link,
      guid,
      canonicalLink: canonicalLink(link),
      normTitle: r.normTitle ? normalizeTitle(title) : '',
      contentHash,
    });
  }
  index.transaction(() => {
    for (const r of changed) index.upsert(r);
  });
  count(report, 'articles', changed.length);
}

/** The source page cached for `link` (extract's page cache) dropped; how many rows went. */
function forgetPage(index: ArchiveIndex, link: string): number {
  return tableExists(index, 'fulltext_cache') ? index.db.prepare('DELETE FROM fulltext_cache WHERE url = ?').run(link).changes : 0;
}

/** After rows changed: outputs are rendered again, and the bytes of old rows leave the file. */
function finishIndex(index: ArchiveIndex): void {
  index.setMeta('generation', String(Number(index.getMeta('generation') ?? '0') + 1));
  // Deleted and overwritten rows leave their bytes in free pages and in the WAL until the file is rebuilt.
  index.db.exec('VACUUM');
  index.db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Redactions.sync: the rules applied to an index that has not seen them; true when anything changed. */
export function syncIndex(index: ArchiveIndex, root: string, file: RulesFile & { fingerprint: string }): boolean {
  if ((index.getMeta(APPLIED_KEY) ?? '') === file.fingerprint) return false;
  const changed = applyToIndex(index, root, hashedMatcher(file), file.rules.filter((r): r is RemoveRule => r.action === 'remove'));
  index.setMeta(APPLIED_KEY, file.fingerprint);
  return changed;
}

/** The rules applied to an index by hash, as a run knows them; true when anything changed. */
function applyToIndex(index: ArchiveIndex, root: string, m: Matcher, removals: RemoveRule[]): boolean {
  const report: RedactReport = { rule: null as unknown as RedactionRule, target: '', path: '', already: false, rewritten: [], removed: [], renamed: {}, rows: {}, remaining: [] };
  index.transaction(() => {
    for (const r of removals) {
      const [site, id] = r.target.split('/');
      const rec = index.get(site!, Number(id));
      if (!rec) continue;
      index.remove(rec.site, rec.id);
      index.reserveId(rec.site, rec.id, r.path);
      count(report, 'articles', 1);
      count(report, 'fulltext_cache', forgetPage(index, rec.link));
    }
  });
  if (!m.empty) {
    rewriteRecords(index, root, m, report);
    rewriteIndexTexts(index, m, report);
  }
  const changed = Object.keys(report.rows).length > 0;
  if (changed) finishIndex(index);
  return changed;
}

function tableExists(index: ArchiveIndex, name: string): boolean {
  return index.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * Every other text the index holds, in every table (the page cache of source pages, image URLs, validators, and
 * what later stages keep): redacted in place. A row whose redacted key collides with another is deleted: the
 * index is a cache of the files, and these rows are rebuilt by the next run.
 */
function rewriteIndexTexts(index: ArchiveIndex, m: Matcher, report: RedactReport): void {
  if (m.empty) return;
  const db = index.db;
  db.pragma('secure_delete = ON');
  db.function('nm_hit', { deterministic: true }, (v: unknown) => (typeof v === 'string' && m.html(v) !== v ? 1 : 0));
  db.function('nm_redact', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? (/^https?:\/\//i.test(v) ? m.url(v) : m.html(v)) : v));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  for (const { name } of tables) {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const cols = (db.prepare(`PRAGMA table_info(${q(name)})`).all() as { name: string }[]).map((c) => c.name);
    db.transaction(() => {
      for (const c of cols) {
        count(report, name, db.prepare(`UPDATE OR IGNORE ${q(name)} SET ${q(c)} = nm_redact(${q(c)}) WHERE nm_hit(${q(c)})`).run().changes);
        count(report, name, db.prepare(`DELETE FROM ${q(name)} WHERE nm_hit(${q(c)})`).run().changes);
      }
    })();
  }
}

/**
 * After the outputs were rendered again: every file of the tree (the website too, when it lies elsewhere) is
 * read once more. An output that still holds the text — one no render rewrites any more, or one written by a
 * tool newsmirror does not know — is rewritten; a stale website or feed file that still shows a removed story
 * is deleted. What is left (a binary file) is reported, so the command fails rather than claiming success.
 */
async function sweep(config: Config, m: Matcher, removal: boolean, report: RedactReport): Promise<void> {
  if (m.empty) return;
  const root = config.archive;
  const roots = [root];
  const siteRel = rel(root, config.siteDir);
  if (siteRel.startsWith('..') || path.isAbsolute(siteRel)) roots.push(config.siteDir);
  const outputs = [config.siteDir, path.join(root, 'feeds')];
  for (const top of roots) {
    const walk = (d: string) => {
      if (!existsSync(d)) return [] as string[];
      const out: string[] = [];
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.name === '.git') continue;
        if (e.isDirectory()) out.push(...walk(full));
        else if (e.isFile()) out.push(full);
      }
      return out;
    };
    for (const file of walk(top)) {
      const r = rel(root, file);
      if (!removal && m.text(path.basename(file)) !== path.basename(file)) report.remaining.push(r);
      // Articles and revisions were redacted field by field above; a removed title may rightly stay in another story.
      if (/^(articles|revisions)\//.test(r)) continue;
      const s = readText(file);
      if (s === null) {
        if (holdsBytes(m, readFileSync(file))) report.remaining.push(r);
        continue;
      }
      const out = redactFile(m, file, s);
      if (out === s) continue;
      if (removal && outputs.some((o) => file.startsWith(o + path.sep))) {
        rmSync(file);
        report.removed.push(r);
      } else if (await writeFileAtomic(file, out)) report.rewritten.push(r);
    }
  }
}

/** Whether binary bytes hold the text's UTF-8 (as written, or folded), gzip-compressed ones (search indexes) opened. */
function holdsBytes(m: Matcher, b: Buffer): boolean {
  let bytes = b;
  if (b[0] === 0x1f && b[1] === 0x8b) {
    try {
      bytes = gunzipSync(b);
    } catch {
      /* not gzip after all */
    }
  }
  return m.knownTexts().some((t) => bytes.includes(Buffer.from(t, 'utf8')));
}
