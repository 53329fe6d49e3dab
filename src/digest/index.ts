/**
 * Digest stage: one day's news from every site, as files to pass on where a link to a blocked host does not
 * open. For each day in the readers' time zone:
 *
 *   digests/YYYY/MM/YYYY-MM-DD.epub   EPUB 3 (written with nodepub, zipped here with fixed dates)
 *   digests/YYYY/MM/YYYY-MM-DD.html   one self-contained HTML file: inline CSS, no scripts, local images as
 *                                     data: URIs under a size cap, other images left out (captions kept)
 *   digests/index.html                every digest there, newest first
 *
 * Both hold the day's articles grouped by site (the configured order), with a table of contents by site.
 * Same articles → same bytes: nothing depends on the clock, and the EPUB's modification date is the newest
 * publication time of the day.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ZipArchive } from 'archiver';
import type { EpubFile } from 'nodepub';
import type { Config } from '../types.js';
import { writeFileAtomic, writeFilesAtomic } from '../archive/index.js';
import { NewsmirrorError } from '../errors.js';
import { escapeHtml as esc, type RenderArticle } from '../render/index.js';
import { digestBody, webHref, type CarriedImage } from './body.js';

/** An article as the render stage lists it; with its hash, a day whose articles did not change is not rendered again. */
export type DigestArticle = Omit<RenderArticle, 'contentHash'> & { contentHash?: string };

/** What a digest reads (the render stage's source has all of it). */
export interface DigestSource {
  sites: { name: string; abbr: string }[];
  /** Articles of every site published in [from, to) (ms), in any order. */
  between(from: number, to: number): DigestArticle[];
  /** Body HTML of one article, by its archive-relative path. */
  body(path: string): string;
}

export interface DigestOptions {
  /** Archive root (local images are read from its assets/). */
  archive: string;
  /** Folder the digests go to (YYYY/MM/ under it). */
  outDir: string;
  /** Readers' time zone, minutes east of UTC (480 = GMT+8): a digest's day is a day there. */
  tzOffsetMinutes: number;
  /** The mirror's name, shown in each digest (default 新闻镜像 News mirror). */
  title?: string;
  /** Largest image carried inside a digest (default 300 KB); larger ones are left out, captions kept. */
  imageMaxBytes?: number;
  /** Link from the digests page back to the website, or null. */
  siteHref?: string | null;
  /** Render every day asked for, even when its articles did not change (restores files edited by hand). */
  force?: boolean;
}

/**
 * The options a mirror's config gives the digests: its digests folder (or `outDir`, asked for by hand, which
 * links no website: it may lie anywhere), with a link from the digests page back to the website's front page.
 */
export function digestOptions(config: Pick<Config, 'archive' | 'siteDir' | 'tzOffsetMinutes' | 'digests'>, outDir?: string): DigestOptions {
  const dir = outDir ?? config.digests.dir;
  const site = path.relative(dir, path.join(config.siteDir, 'index.html')).split(path.sep).join('/');
  return { archive: config.archive, outDir: dir, tzOffsetMinutes: config.tzOffsetMinutes, imageMaxBytes: config.digests.imageMaxBytes, siteHref: outDir ? null : site };
}

export interface Digest {
  date: string;
  articles: number;
  epub: Buffer;
  html: string;
  images: { carried: number; left: number };
}

const DEFAULT_IMAGE_MAX = 300 * 1024;
/** Bumped when the digest's templates change, so every day is rendered again once. */
const DIGEST_VERSION = '1';
const DAY = 86_400_000;
/** Image types an EPUB 3 reading system must show and nodepub can list (webp and avif are not). */
const EPUB_TYPES = new Set(['jpg', 'png', 'gif']);
const HTML_TYPES = new Set(['jpg', 'png', 'gif', 'webp', 'avif']);
const MIME: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif' };

/** The readers' dates of yesterday and today at `now` (what an hourly run refreshes). */
export function recentDays(now: number, tzOffsetMinutes: number): string[] {
  return [now - DAY, now].map((t) => dayOf(t, tzOffsetMinutes));
}

/** Every date from the oldest to the newest publication time (for a backfill). */
export function daysBetween(oldest: number, newest: number, tzOffsetMinutes: number): string[] {
  const out: string[] = [];
  for (let d = dayStart(dayOf(oldest, tzOffsetMinutes), tzOffsetMinutes); d <= newest; d += DAY) out.push(dayOf(d, tzOffsetMinutes));
  return out;
}

function dayOf(ms: number, tz: number): string {
  return new Date(ms + tz * 60_000).toISOString().slice(0, 10);
}

/** The instant a readers' date begins; throws a usage error for anything but a real YYYY-MM-DD. */
function dayStart(date: string, tz: number): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== date) throw new NewsmirrorError('usage', `--date: "${date}" is not a date (YYYY-MM-DD)`);
  return t - tz * 60_000;
}

/** The digest file of `date` under the digests folder, without extension (YYYY/MM/YYYY-MM-DD). */
export function digestPath(date: string): string {
  return `${date.slice(0, 4)}/${date.slice(5, 7)}/${date}`;
}

/** Render one day's digest, or null when no article was published that day. */
export async function renderDigest(src: DigestSource, date: string, opts: DigestOptions): Promise<Digest | null> {
  const tz = opts.tzOffsetMinutes;
  const from = dayStart(date, tz);
  const order = new Map(src.sites.map((s, i) => [s.abbr, i]));
  const articles = src
    .between(from, from + DAY)
    .filter((a) => order.has(a.site))
    .sort((x, y) => order.get(x.site)! - order.get(y.site)! || x.published - y.published || x.id - y.id);
  if (articles.length === 0) return null;
  const groups = src.sites.map((site) => ({ site, articles: articles.filter((a) => a.site === site.abbr) })).filter((g) => g.articles.length > 0);
  const title = `${opts.title ?? '新闻镜像 News mirror'} · 每日文摘 ${date}`;
  const bodies = new Map(articles.map((a) => [a, src.body(a.path)]));
  const meta = { title, date, tz, articles: articles.length, modified: Math.max(...articles.map((a) => a.published)) };
  const max = opts.imageMaxBytes ?? DEFAULT_IMAGE_MAX;
  let k = 0;
  const ids = new Map<DigestArticle, string>();
  for (const g of groups) for (const a of g.articles) ids.set(a, `a${++k}`);
  const ctx: Ctx = {
    groups,
    meta,
    ids,
    body: (a, types, src, xml) => digestBody(bodies.get(a)!, { archive: opts.archive, articlePath: a.path, imageMaxBytes: max, types, src, xml }),
  };
  const html = renderHtml(ctx);
  const epub = await renderEpub(ctx);
  return { date, articles: articles.length, epub, html: html.html, images: html.images };
}

/**
 * Write the digests of `dates` (days without articles are skipped; their files, if any, are kept) and the
 * digests page. A day whose articles did not change since its digest was written is not rendered again
 * (unless `force`), and every write compares bytes first, so unchanged digests are not touched.
 */
export async function writeDigests(
  src: DigestSource,
  dates: string[],
  opts: DigestOptions,
): Promise<{ written: number; digests: { date: string; articles: number; epubBytes: number; htmlBytes: number }[] }> {
  const digests: { date: string; articles: number; epubBytes: number; htmlBytes: number }[] = [];
  let written = 0;
  // What each day was rendered from, so an hourly run renders yesterday's digest again only when it changed.
  const manifestFile = path.join(opts.archive, '.newsmirror', 'digest-manifest.json');
  const manifest = readManifest(manifestFile);
  const folder = (manifest[opts.outDir] ??= {});
  for (const date of [...new Set(dates)].sort()) {
    const base = path.join(opts.outDir, digestPath(date));
    const key = dayKey(src, date, opts);
    if (!opts.force && key && folder[date]?.key === key && existsSync(`${base}.epub`) && existsSync(`${base}.html`)) {
      digests.push({ date, ...folder[date]!.sizes });
      continue;
    }
    const d = await renderDigest(src, date, opts);
    if (!d) continue;
    written += (await writeFilesAtomic([
      { file: `${base}.epub`, data: d.epub },
      { file: `${base}.html`, data: d.html },
    ])).filter(Boolean).length;
    const sizes = { articles: d.articles, epubBytes: d.epub.length, htmlBytes: Buffer.byteLength(d.html) };
    digests.push({ date, ...sizes });
    if (key) folder[date] = { key, sizes };
  }
  await writeFileAtomic(manifestFile, JSON.stringify(manifest));
  // The page is there even before the first digest, so the links to it (README, website) always lead somewhere.
  written += (await writeFilesAtomic([{ file: path.join(opts.outDir, 'index.html'), data: renderIndex(opts) }])).filter(Boolean).length;
  return { written, digests };
}

// ---------------------------------------------------------------- shared

interface Group {
  site: { name: string; abbr: string };
  articles: DigestArticle[];
}

/** One day's digest as both formats render it. */
interface Ctx {
  groups: Group[];
  meta: Meta;
  /** Each article's anchor (a1, a2 … in reading order). */
  ids: Map<DigestArticle, string>;
  body: (a: DigestArticle, types: ReadonlySet<string>, src: (img: CarriedImage) => string, xml: boolean) => { html: string; carried: number; left: number };
}

/** The table of contents by site: one item per site, with its articles as a numbered list. */
function tocItems(ctx: Ctx, siteHref: (i: number) => string, articleHref: (i: number, id: string) => string): string {
  return ctx.groups
    .map((g, i) => `<li><a href="${siteHref(i)}">${esc(g.site.name)}</a> <span class="meta">${g.articles.length} 篇</span>\n<ol>\n${g.articles.map((a) => `<li><a href="${articleHref(i, ctx.ids.get(a)!)}">${esc(a.title)}</a></li>`).join('\n')}\n</ol></li>`)
    .join('\n');
}

interface Meta {
  title: string;
  date: string;
  tz: number;
  articles: number;
  modified: number;
}

function time(ms: number, tz: number): string {
  return new Date(ms + tz * 60_000).toISOString().slice(11, 16);
}

function zone(tz: number): string {
  return `GMT${tz >= 0 ? '+' : '-'}${Math.floor(Math.abs(tz) / 60)}${Math.abs(tz) % 60 ? `:${String(Math.abs(tz) % 60).padStart(2, '0')}` : ''}`;
}

/**
 * Reading type for Chinese: generous line height, system and Noto CJK fonts (no web fonts: nothing loads from
 * anywhere), and dark colours when the reader's system asks for them.
 */
const CSS = `html{color-scheme:light dark}
body{margin:0 auto;max-width:40rem;padding:0 1rem 3rem;font-family:system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;font-size:1.05rem;line-height:1.8;color:#1a1a1a;background:#fff;overflow-wrap:break-word;word-break:normal;line-break:strict;text-align:start}
h1{font-size:1.5rem;line-height:1.4}
h2{font-size:1.3rem;line-height:1.45;margin-top:2.5rem;border-bottom:1px solid #8886;padding-bottom:.3rem}
h3{font-size:1.15rem;line-height:1.5;margin-top:2rem}
p{margin:.8em 0}
img{max-width:100%;height:auto}
figure{margin:1rem 0}
figcaption,.meta,.img-alt{color:#595959;font-size:.9rem}
article{margin-bottom:2.5rem}
nav ol,nav ul{padding-left:1.4rem}
nav li{margin:.25rem 0}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid #8886}
table{border-collapse:collapse;max-width:100%}
td,th{border:1px solid #8886;padding:.2rem .4rem}
@media (prefers-color-scheme:dark){body{color:#e4e4e4;background:#121212}a{color:#9ec5ff}figcaption,.meta,.img-alt{color:#ababab}}
`;

// ---------------------------------------------------------------- HTML

function renderHtml(ctx: Ctx): { html: string; images: { carried: number; left: number } } {
  const { groups, meta, ids } = ctx;
  const images = { carried: 0, left: 0 };
  const toc = tocItems(ctx, (i) => `#site-${i + 1}`, (_i, id) => `#${id}`);
  const sections = groups
    .map((g, i) => {
      const items = g.articles.map((a) => {
        const body = ctx.body(a, HTML_TYPES, (img) => `data:${MIME[img.type]};base64,${img.bytes.toString('base64')}`, false);
        images.carried += body.carried;
        images.left += body.left;
        return `<article id="${ids.get(a)}">\n<h3>${esc(a.title)}</h3>\n${byline(a, meta.tz)}\n${body.html}\n</article>`;
      });
      return `<section id="site-${i + 1}">\n<h2>${esc(g.site.name)}</h2>\n${items.join('\n')}\n</section>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="newsmirror-digest" content="${meta.date} ${meta.articles}">
<title>${esc(meta.title)}</title>
<style>
${CSS}</style>
</head>
<body>
<header>
<h1>${esc(meta.title)}</h1>
<p class="meta">${meta.articles} 篇 · ${groups.length} 个网站 · ${meta.date}（${zone(meta.tz)}）</p>
</header>
<nav aria-label="目录 Contents">
<h2>目录 Contents</h2>
<ul>
${toc}
</ul>
</nav>
<main>
${sections}
</main>
</body>
</html>
`;
  return { html, images };
}

function byline(a: DigestArticle, tz: number): string {
  const href = webHref(a.link);
  const source = href ? ` · <a href="${esc(href)}">原文 Source</a>` : '';
  return `<p class="meta"><time datetime="${new Date(a.published).toISOString()}">${time(a.published, tz)}</time>${source}</p>`;
}

// ---------------------------------------------------------------- EPUB

/** nodepub replaces `[[TITLE]]` and the like anywhere in a page; a numeric reference keeps text as written. */
function noTags(s: string): string {
  return s.replace(/\[\[/g, '&#91;[');
}

async function renderEpub(ctx: Ctx): Promise<Buffer> {
  const { groups, meta, ids } = ctx;
  // nodepub is CommonJS and reads the cover and images from files; the cover is drawn here, in a temp folder.
  const nodepub = createRequire(import.meta.url)('nodepub') as typeof import('nodepub');
  const tmp = mkdtempSync(path.join(tmpdir(), 'nm-digest-'));
  try {
    const cover = path.join(tmp, 'cover.svg');
    writeFileSync(cover, coverSvg(meta, groups));
    const images = new Map<string, string>();
    const sections = groups.map((g, i) => {
      const items = g.articles.map((a) => {
        const body = ctx.body(
          a,
          EPUB_TYPES,
          (img) => {
            images.set(path.basename(img.file), img.file);
            return `../images/${path.basename(img.file)}`;
          },
          true,
        );
        return `<article id="${ids.get(a)}">\n<h2>${esc(a.title)}</h2>\n${byline(a, meta.tz)}\n${body.html}\n</article>`;
      });
      return { name: `site${i + 1}`, title: g.site.name, content: `<section>\n<h1>${esc(g.site.name)}</h1>\n<p class="meta">${meta.date} · ${g.articles.length} 篇</p>\n${items.join('\n')}\n</section>` };
    });
    const toc = `<nav aria-label="目录 Contents"><h1>目录 Contents</h1>
<p class="meta">${meta.articles} 篇 · ${meta.date}（${zone(meta.tz)}）</p>
<ol>
${tocItems(ctx, (i) => `site${i + 1}.xhtml`, (i, id) => `site${i + 1}.xhtml#${id}`)}
</ol></nav>`;
    const doc = nodepub.document(
      {
        id: `urn:newsmirror:digest:${meta.date}`,
        cover,
        title: noTags(esc(meta.title)),
        author: noTags(esc(meta.title.split(' · ')[0]!)),
        publisher: 'newsmirror',
        language: 'zh',
        published: meta.date,
        description: `${meta.articles} 篇`,
        contents: '目录 Contents',
        epubVersion: 3,
        images: [...images.values()].sort(),
        showContents: true,
      },
      () => noTags(toc),
    );
    // Reading systems bring their own light and dark themes: the book's CSS sets no colour scheme of its own.
    doc.addCSS(CSS.replace(/^html\{color-scheme:light dark\}\n/, '').replace(/^@media \(prefers-color-scheme:dark\).*\n/m, ''));
    for (const s of sections) doc.addSection(noTags(esc(s.title)), noTags(s.content), false, false, s.name);
    const files = await doc.getFilesForEPUB();
    return await zip(files, meta.modified);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function coverSvg(meta: Meta, groups: Group[]): string {
  const lines = groups.slice(0, 12).map((g, i) => `<text x="300" y="${470 + i * 34}" font-size="24" text-anchor="middle">${esc(g.site.name)} · ${g.articles.length}</text>`);
  return `<?xml version="1.0" encoding="utf-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900" viewBox="0 0 600 900">
<rect width="600" height="900" fill="#f4f1ea"/>
<g fill="#1a1a1a" font-family="'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif">
<text x="300" y="250" font-size="44" text-anchor="middle">${esc(meta.title.split(' · ')[0]!)}</text>
<text x="300" y="330" font-size="36" text-anchor="middle">每日文摘 ${meta.date}</text>
<text x="300" y="400" font-size="26" text-anchor="middle">${meta.articles} 篇</text>
${lines.join('\n')}
</g>
</svg>
`;
}

/**
 * Zip the book's files in nodepub's order (mimetype first, stored), every entry dated `modified` with fixed
 * permissions, and the OPF's dcterms:modified set to the same instant: the bytes depend on the articles only.
 */
async function zip(files: EpubFile[], modified: number): Promise<Buffer> {
  const iso = `${new Date(modified).toISOString().slice(0, 19)}Z`;
  // archiver writes the DOS date from the UTC fields (its forceLocalTime is off): the same on every machine.
  const date = new Date(modified);
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const chunks: Buffer[] = [];
  archive.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const f of files) {
    let content = f.content;
    if (f.name.endsWith('.opf') && typeof content === 'string') content = content.replace(/(<meta property='dcterms:modified'>)[^<]*(<\/meta>)/, `$1${iso}$2`);
    archive.append(content, { name: f.folder ? `${f.folder}/${f.name}` : f.name, store: !f.compress, date, mode: 0o644 });
  }
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------- index page

/** The digests page: every digest under outDir, newest first, with its size. */
function renderIndex(opts: DigestOptions): string {
  const entries: { date: string; html: number; epub: number; articles: string }[] = [];
  for (const y of safeList(opts.outDir).filter((n) => /^\d{4}$/.test(n))) {
    for (const m of safeList(path.join(opts.outDir, y)).filter((n) => /^\d{2}$/.test(n))) {
      const dir = path.join(opts.outDir, y, m);
      for (const f of safeList(dir)) {
        const mm = /^(\d{4}-\d{2}-\d{2})\.html$/.exec(f);
        if (!mm) continue;
        const head = readFileSync(path.join(dir, f), 'utf8').slice(0, 2000);
        const count = /<meta name="newsmirror-digest" content="\S+ (\d+)">/.exec(head)?.[1] ?? '';
        let epub = 0;
        try {
          epub = statSync(path.join(dir, `${mm[1]}.epub`)).size;
        } catch {
          /* an HTML digest without its book */
        }
        entries.push({ date: mm[1]!, html: statSync(path.join(dir, f)).size, epub, articles: count });
      }
    }
  }
  entries.sort((a, b) => (a.date < b.date ? 1 : -1));
  const kb = (n: number) => `${Math.max(1, Math.round(n / 1024))} KB`;
  const title = `每日文摘 Daily digests — ${opts.title ?? '新闻镜像 News mirror'}`;
  const rows = entries.map((e) => {
    const p = digestPath(e.date);
    return `<li><span class="date">${e.date}</span> ${e.epub ? `<a href="${p}.epub">EPUB</a> <span class="meta">${kb(e.epub)}</span> · ` : ''}<a href="${p}.html">HTML</a> <span class="meta">${kb(e.html)}${e.articles ? ` · ${e.articles} 篇` : ''}</span></li>`;
  });
  return `<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<title>${esc(title)}</title>
<style>
${CSS}ul.list{list-style:none;padding:0}ul.list li{padding:.4rem 0;border-bottom:1px solid #8883}.date{font-variant-numeric:tabular-nums;margin-right:.6rem}
</style>
</head>
<body>
<header>${opts.siteHref ? `<p><a href="${esc(opts.siteHref)}">← ${esc(opts.title ?? '新闻镜像 News mirror')}</a></p>` : ''}</header>
<main>
<h1>每日文摘 Daily digests</h1>
<p>每天一份，收录当天（${zone(opts.tzOffsetMinutes)}）各网站的全部文章：EPUB 电子书，或一个可以直接用浏览器打开的 HTML 文件。可以通过聊天软件把文件发给打不开本站的朋友。</p>
<p class="meta">One file per day with every site's articles of that day: an EPUB book, or a single HTML file any browser opens. Send the file over a messenger to those who cannot reach this site.</p>
${rows.length ? `<ul class="list">\n${rows.join('\n')}\n</ul>` : '<p>还没有文摘：每次运行写入昨天和今天的文摘；<code>newsmirror digest --all</code> 写入存档里的每一天。<br>No digest yet: every run writes yesterday\'s and today\'s; <code>newsmirror digest --all</code> writes every day of the archive.</p>'}
</main>
</body>
</html>
`;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

type DigestManifest = Record<string, Record<string, { key: string; sizes: { articles: number; epubBytes: number; htmlBytes: number } }>>;

function readManifest(file: string): DigestManifest {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (m && typeof m === 'object') return m as DigestManifest;
  } catch {
    /* no digest written yet, or an unreadable manifest: render every day asked for */
  }
  return {};
}

/** What a day's digest is made of (its articles' files, the options), or null when a hash is not known. */
function dayKey(src: DigestSource, date: string, opts: DigestOptions): string | null {
  const from = dayStart(date, opts.tzOffsetMinutes);
  const articles = src.between(from, from + DAY).map((a) => [a.site, a.id, a.title, a.link, a.published, a.contentHash ?? null] as const);
  if (articles.some((a) => a[5] === null)) return null;
  articles.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]));
  const inputs = [DIGEST_VERSION, opts.tzOffsetMinutes, opts.title ?? null, opts.imageMaxBytes ?? DEFAULT_IMAGE_MAX, src.sites.map((x) => [x.abbr, x.name]), articles];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}
