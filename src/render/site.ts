/**
 * The static website: an index of every site, paginated per-site lists, one page per article and a search
 * page. Made for readers on phones and slow links who cannot reach foreign CDNs: one small local stylesheet,
 * no fonts, no scripts needed to read (search is the one exception, and loads its index only when used),
 * nothing from any third-party host, relative links everywhere. Same input → same bytes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeFilesAtomic } from '../archive/index.js';
import { historyNav, historyNotice, historySection, renderHistoryPages } from './history.js';
import { searchScript, updateSearchIndex } from '../search/index.js';
import type { RenderArticle, RenderOptions, RenderSource } from './types.js';
import { pageWindow } from './window.js';

const ASSETS = '_static';
/** Bumped when page templates change, so every page is rendered again once. */
const TEMPLATE_VERSION = '4';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function dateTime(ms: number, tz: number): string {
  return new Date(ms + tz * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * One small stylesheet, no fonts to download: Chinese reads in the reader's own system fonts (PingFang,
 * Hiragino, Noto Sans CJK / Source Han Sans, Microsoft YaHei), with the line height CJK text wants; dark when
 * the system is (prefers-color-scheme); greys that keep 4.5:1 contrast on both backgrounds.
 */
const CSS = `:root{color-scheme:light dark;--fg:#1a1a1a;--bg:#fff;--muted:#595959;--link:#0645ad;--rule:#d0d0d0}
@media (prefers-color-scheme:dark){:root{--fg:#e4e4e4;--bg:#121212;--muted:#ababab;--link:#9ec5ff;--rule:#3a3a3a}}
body{margin:0 auto;max-width:42rem;padding:0 1rem 3rem;font-family:system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;font-size:1.0625rem;line-height:1.8;color:var(--fg);background:var(--bg);line-break:strict;-webkit-text-size-adjust:100%;text-size-adjust:100%}
a{color:var(--link)}
header{padding:.8rem 0;border-bottom:1px solid var(--rule);margin-bottom:1rem}
header a{margin-right:1rem;text-decoration:none;font-weight:600;display:inline-block;padding:.2rem 0}
h1{font-size:1.45rem;line-height:1.45}
h2{font-size:1.2rem;line-height:1.5}
article p{margin:.9em 0}
img,video{max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:.9rem}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid var(--rule)}
ul.list{list-style:none;padding:0}
ul.list li{padding:.45rem 0;border-bottom:1px solid var(--rule)}
.date,.meta{color:var(--muted);font-size:.875rem}
.date{margin-right:.5rem;font-variant-numeric:tabular-nums}
nav.pager{display:flex;justify-content:space-between;gap:1rem;margin:1.5rem 0}
nav.pager a{display:inline-block;padding:.3rem 0}
article{overflow-wrap:anywhere}
input[type=search]{width:100%;font-size:1rem;padding:.5rem;box-sizing:border-box}
button{font-size:1rem;padding:.4rem .8rem}
`;

interface Page {
  title: string;
  /** Relative prefix to the site root ('' or '../' or '../../'). */
  root: string;
  body: string;
  scripts?: string[];
}

function layout(p: Page, siteTitle: string): string {
  const scripts = (p.scripts ?? []).map((s) => `<script src="${p.root}${s}" defer></script>`).join('');
  return `<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src 'self' https: http:; style-src 'self' 'unsafe-inline'; script-src 'self'; base-uri 'none'; form-action 'self'">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(p.title)}</title>
<link rel="stylesheet" href="${p.root}${ASSETS}/style.css">
${scripts}</head>
<body>
<header><a href="${p.root}index.html">${escapeHtml(siteTitle)}</a><a href="${p.root}search.html">搜索 Search</a></header>
<main>
${p.body}
</main>
</body>
</html>
`;
}

function listItem(a: RenderArticle, href: string, tz: number, siteName?: string): string {
  const meta = siteName ? ` <span class="meta">${escapeHtml(siteName)}</span>` : '';
  return `<li><span class="date">${dateTime(a.published, tz).slice(0, 10)}</span><a href="${escapeHtml(href)}">${escapeHtml(a.title)}</a>${meta}</li>`;
}

/**
 * An article body as the website shows it. Local images sit in the archive's assets/, relative to the article
 * file; the site has its own copy. Bodies archived from the sources (and by the original script) carry what
 * makes pages hard to read for some readers, fixed here without touching the archive:
 * - an image without alt text (screen readers read out its URL) gets an empty one; a linked image without
 *   one says it is an image, or the link would have no name;
 * - colours set inline by the source (black text) are dropped, so dark mode stays readable;
 * - links without text, scripts and style sheets are left out.
 */
function siteBody(body: string): string {
  return body
    .replace(/(\ssrc=")\.\.\/\.\.\/assets\//g, `$1../${ASSETS}/assets/`)
    .replace(/(<a\b[^>]*>\s*<img\b)([^>]*>)(?=\s*<\/a>)/gi, (m, open: string, rest: string) => (/\salt="[^"]*[^"\s][^"]*"/i.test(rest) ? m : `${open}${rest.replace(/\salt="\s*"/i, '').replace(/\s*(\/?)>$/, ' alt="图片 Image"$1>')}`))
    .replace(/<img\b(?![^>]*\salt=)([^>]*?)\s*(\/?)>/gi, '<img$1 alt=""$2>')
    // A link with no text (a spacer, an icon that went) has nothing to say: its blank stays, the link goes.
    .replace(/<a\b[^>]*>((?:\s|&nbsp;|&#160;|\u00a0)*)<\/a>/gi, '$1')
    // Scripts and style sheets inside old bodies (the original script kept them: Facebook embeds, styled
    // components) would run or restyle the whole page; the CSP blocks the scripts, and they go.
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/\sstyle="([^"]*)"/gi, (_m, css: string) => {
      const kept = css.split(';').filter((d) => d.trim() && !/^\s*(?:color|background(?:-color|-image)?)\s*:/i.test(d));
      return kept.length ? ` style="${kept.join(';')}"` : '';
    });
}

interface Manifest {
  version: string;
  /** Keys of the search parts (a part is rebuilt only when its articles changed). */
  pages: Record<string, string>;
  /** The search months as last written (months.json), carried over for months without changes. */
  months?: { month: string; count: number; files: string[] }[];
}

function loadManifest(file: string): Manifest {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.version === TEMPLATE_VERSION && m.pages && typeof m.pages === 'object') return m;
  } catch {
    /* first render, or an unreadable manifest: render everything */
  }
  return { version: TEMPLATE_VERSION, pages: {} };
}

/** Render the website into opts.siteDir; pages whose inputs did not change are not rewritten. */
export async function renderSite(src: RenderSource, opts: RenderOptions): Promise<{ pages: number; written: number }> {
  const tz = opts.tzOffsetMinutes;
  const pageSize = opts.pageSize ?? 50;
  const siteTitle = opts.title ?? '新闻镜像 News mirror';
  const dir = opts.siteDir;
  const manifestFile = path.join(opts.archive, '.newsmirror', 'site-manifest.json');
  const manifest = loadManifest(manifestFile);
  const next: Manifest = { version: TEMPLATE_VERSION, pages: {} };
  let pages = 0;
  let written = 0;
  // Pages are written in batches: atomically each, with their fsyncs side by side (see writeFilesAtomic).
  let queue: { file: string; data: string }[] = [];
  const flush = async () => {
    written += (await writeFilesAtomic(queue)).filter(Boolean).length;
    queue = [];
  };
  // Whether a file or folder of the site is there, asked once each: a keyed page is trusted to be on disk when
  // the manifest has its key and its folder exists. A stat per page cost over a second per render at 100k
  // articles; a folder that was removed (or a site dir wiped) is still noticed and rendered again.
  const seen = new Map<string, boolean>();
  const there = (rel: string) => {
    let yes = seen.get(rel);
    if (yes === undefined) seen.set(rel, (yes = existsSync(path.join(dir, rel))));
    return yes;
  };
  const write = async (rel: string, content: string | (() => string), key?: string) => {
    pages++;
    // A keyed page is rendered only when its inputs changed or its folder is gone.
    if (key !== undefined) {
      next.pages[rel] = key;
      if (!opts.all && manifest.pages[rel] === key && there(path.dirname(rel))) return;
    }
    queue.push({ file: path.join(dir, rel), data: typeof content === 'function' ? content() : content });
    if (queue.length >= 200) await flush();
  };

  // Article pages for the newest articles of each site only; older ones link to their Markdown (window.ts).
  const win = pageWindow(src, opts);
  const link = win.link;

  await write(`${ASSETS}/style.css`, CSS);
  await write(`${ASSETS}/search.js`, searchScript());

  // What to render: everything when the website was never rendered with these templates, sites and time zone
  // (or a folder of it is gone); else only what the articles written since touch. One site's articles are in
  // memory at a time (a 100k archive held whole took ~2 GB to render).
  const signature = JSON.stringify([TEMPLATE_VERSION, tz, pageSize, siteTitle, src.sites.map((x) => [x.abbr, x.name]), ...win.signature]);
  const counts = src.sites.map((site) => ({ site, count: src.count(site.abbr) }));
  let changes = opts.all ? null : src.changes(signature);
  // Articles whose page goes (removed after the search index links them to their Markdown: a run that stops
  // in between finds the pages still there and does both again), and all whose link changes.
  const leaving: { site: string; id: number }[] = [];
  const relinked: { site: string; id: number }[] = [];
  if (changes !== null && (!there('index.html') || !there(ASSETS) || counts.some(({ site, count }) => count > 0 && !there(site.abbr)))) changes = null;
  const latest = src.sites
    .flatMap((site) => src.articles(site.abbr, 30).map((a) => ({ a, site })))
    .sort((x, y) => y.a.published - x.a.published || (x.a.site < y.a.site ? -1 : x.a.site > y.a.site ? 1 : x.a.id - y.a.id))
    .slice(0, 30);

  // Index: every site with its count, then the latest articles across sites.
  await write(
    'index.html',
    layout(
      {
        title: siteTitle,
        root: '',
        body: `<h1>${escapeHtml(siteTitle)}</h1>
<ul class="list">
${counts.map(({ site, count }) => `<li><a href="${escapeHtml(site.abbr)}/index.html">${escapeHtml(site.name)}</a> <span class="meta">${count} 篇</span></li>`).join('\n')}
</ul>
${historyNav(src)}
${opts.digestsHref ? `<p><a href="${escapeHtml(opts.digestsHref)}">每日文摘 Daily digests</a> <span class="meta">EPUB · HTML，可离线阅读、转发</span></p>\n` : ''}<h2>最新 Latest</h2>
<ul class="list">
${latest.map(({ a, site }) => listItem(a, link(a, '', `${a.site}/${a.id}.html`), tz, site.name)).join('\n')}
</ul>`,
      },
      siteTitle,
    ),
  );

  // Per site: its front page (the newest articles), list pages numbered from the oldest so that a page, once
  // full, never changes (page k holds the articles k·50-49 … k·50 counted from the oldest; new articles land
  // on the last page), and one page per article, linking its newer and older neighbours.
  const listPage = async (site: { abbr: string; name: string }, n: number, k: number) => {
    const last = Math.max(1, Math.ceil(n / pageSize));
    // Newest first on the page: the articles with newest-first index in [n - k·size, n - (k-1)·size).
    const from = Math.max(0, n - k * pageSize);
    const slice = src.articles(site.abbr, n - (k - 1) * pageSize - from, from);
    const newer = k < last ? `<a href="${k + 1}.html">← 较新 Newer</a>` : '<a href="../index.html">← 最新 Latest</a>';
    const older = k > 1 ? `<a href="${k - 1}.html">较旧 Older →</a>` : '';
    await write(
      `${site.abbr}/page/${k}.html`,
      layout(
        {
          title: `${site.name} — ${siteTitle}`,
          root: '../../',
          body: `<h1>${escapeHtml(site.name)}</h1>\n<ul class="list">\n${slice.map((a) => listItem(a, link(a, '../../', `../${a.id}.html`), tz)).join('\n')}\n</ul>\n<nav class="pager"><span>${newer}</span><span class="meta">第 ${k} 页</span><span>${older}</span></nav>`,
        },
        siteTitle,
      ),
    );
  };
  const frontPage = async (site: { abbr: string; name: string }, n: number) => {
    const slice = src.articles(site.abbr, pageSize);
    // "Older" continues with the list page that holds the newest article the front page does not show.
    const next = n > pageSize ? Math.floor((n - 1 - pageSize) / pageSize) + 1 : 0;
    await write(
      `${site.abbr}/index.html`,
      layout(
        {
          title: `${site.name} — ${siteTitle}`,
          root: '../',
          body: `<h1>${escapeHtml(site.name)}</h1>\n<ul class="list">\n${slice.map((a) => listItem(a, link(a, '../', `${a.id}.html`), tz)).join('\n')}\n</ul>\n<nav class="pager"><span></span><span class="meta">${n} 篇</span><span>${next ? `<a href="page/${next}.html">较旧 Older →</a>` : ''}</span></nav>`,
        },
        siteTitle,
      ),
    );
  };
  const articlePage = async (site: { abbr: string; name: string }, a: RenderArticle, newer: RenderArticle | undefined, older: RenderArticle | undefined) => {
    await write(`${site.abbr}/${a.id}.html`, () => {
      const history = src.history?.(a.site, a.id) ?? null;
      const nav = `<nav class="pager"><span>${newer ? `<a href="${escapeHtml(link(newer, '../', `${newer.id}.html`))}" rel="prev">← ${escapeHtml(newer.title)}</a>` : ''}</span><span>${older ? `<a href="${escapeHtml(link(older, '../', `${older.id}.html`))}" rel="next">${escapeHtml(older.title)} →</a>` : ''}</span></nav>`;
      return layout(
        {
          title: `${a.title} — ${site.name}`,
          root: '../',
          body: `${historyNotice(history, tz)}<article>
<h1>${escapeHtml(a.title)}</h1>
<p class="meta"><a href="index.html">${escapeHtml(site.name)}</a> · <time datetime="${new Date(a.published).toISOString()}">${dateTime(a.published, tz)} (GMT${tz >= 0 ? '+' : '-'}${Math.abs(tz / 60)})</time> · ${/^https?:\/\//i.test(a.link) ? `<a href="${escapeHtml(a.link)}" rel="noopener noreferrer">原文 Source</a>` : ''}</p>
${siteBody(src.body(a.path))}
</article>
${historySection(history, src, tz)}${nav}`,
        },
        siteTitle,
      );
    });
  };

  for (const { site, count: n } of counts) {
    if (n === 0) continue;
    const last = Math.max(1, Math.ceil(n / pageSize));
    await frontPage(site, n);
    if (changes === null) {
      for (let k = 1; k <= last; k++) await listPage(site, n, k);
      // The window and the article just past it (the last page's "older" link).
      const articles = src.articles(site.abbr, win.perSite === Infinity ? undefined : win.perSite + 1);
      for (let i = 0; i < Math.min(articles.length, win.perSite); i++) await articlePage(site, articles[i]!, articles[i - 1], articles[i + 1]);
      leaving.push(...win.outside(site.abbr));
      continue;
    }
    // Pages that left the window (newer articles pushed them out) are removed; pages of the window that are
    // not there (it moved back: an article removed) are written. Either way their links in lists and search change.
    const moved = win.outside(site.abbr);
    leaving.push(...moved);
    if (win.perSite !== Infinity && win.perSite > 0) {
      const edge = src.articles(site.abbr, 1, win.perSite - 1);
      // The oldest page of the window links the first article past it, which changes as the window moves.
      const near = edge[0] ? src.around(site.abbr, edge[0].id, 1) : [];
      const at = near.findIndex((x) => x.id === edge[0]?.id);
      if (at >= 0) await articlePage(site, near[at]!, near[at - 1], near[at + 1]);
      const onDisk = win.onDisk(site.abbr);
      for (const id of win.ids(site.abbr)) {
        if (onDisk.has(id) || changes.some((c) => c.site === site.abbr && c.id === id)) continue;
        const near = src.around(site.abbr, id, 1);
        const at = near.findIndex((x) => x.id === id);
        if (at < 0) continue;
        await articlePage(site, near[at]!, near[at - 1], near[at + 1]);
        moved.push({ site: site.abbr, id });
      }
    }
    relinked.push(...moved);
    const changed = [...changes.filter((c) => c.site === site.abbr), ...moved.map((m) => ({ ...m, page: false }))];
    if (changed.length === 0) continue;
    // List pages: each changed article's page, and the last two (new articles fill the last page or open a new
    // one, whose predecessor then links to it).
    const listPages = new Set([last, last - 1].filter((k) => k >= 1));
    for (const c of changed) {
      const k = Math.floor((n - 1 - src.rank(site.abbr, c.id)) / pageSize) + 1;
      // …and the page before: when new articles opened a page after it, its "newer" link changed.
      for (const j of [k, k - 1]) if (j >= 1) listPages.add(j);
    }
    for (const k of [...listPages].sort((x, y) => x - y)) await listPage(site, n, k);
    // Article pages: each changed article and its two neighbours (their links show its title).
    const done = new Set<number>();
    for (const c of changed) {
      if ('page' in c) continue; // its page came or went (above); only its list page changes
      const near = src.around(site.abbr, c.id, 2);
      const at = near.findIndex((x) => x.id === c.id);
      if (at < 0) continue; // not written (a pending reservation): no page yet
      for (let i = Math.max(0, at - 1); i <= Math.min(near.length - 1, at + 1); i++) {
        if (done.has(near[i]!.id) || !win.has(near[i]!)) continue;
        done.add(near[i]!.id);
        await articlePage(site, near[i]!, near[i - 1], near[i + 1]);
      }
    }
  }

  // Search: the whole archive in one term-sharded index (src/search), updated with what changed.
  await flush();
  const search = await updateSearchIndex(src, {
    archive: opts.archive,
    siteDir: dir,
    tzOffsetMinutes: tz,
    changes,
    href: (a) => link(a, '', `${a.site}/${a.id}.html`),
    relink: relinked,
  });
  win.remove(leaving);
  written += search.written;
  await write(
    'search.html',
    layout(
      {
        title: `搜索 Search — ${siteTitle}`,
        root: '',
        scripts: [`${ASSETS}/search.js`],
        body: `<h1>搜索 Search</h1>
<form id="search" action="search.html" role="search"><label for="q">搜索全部文章，简体或繁体 / Search every article, Simplified or Traditional</label><input id="q" name="q" type="search" placeholder="输入关键词，例如 普京" autocomplete="off"></form>
<noscript><p>搜索需要 JavaScript；其余页面无需 JavaScript。Search needs JavaScript; every other page works without it.</p></noscript>
<p class="meta" id="status"></p>
<ul class="list" id="results"></ul>
<p><button id="more" type="button" hidden>更多结果 / More results</button></p>
<p class="meta">索引收录全部 ${search.live} 篇文章。</p>`,
      },
      siteTitle,
    ),
  );

  await flush();
  written += (await renderHistoryPages(src, opts, (title, body) => layout({ title: `${title} — ${siteTitle}`, root: '', body }, siteTitle), (a) => link(a, '', `${a.site}/${a.id}.html`))).written;
  written += await copyAssets(opts.archive, dir);
  await writeFileAtomic(manifestFile, JSON.stringify(next));
  src.rendered(signature);
  return { pages, written };
}

/** Locally stored images (archive/assets) are copied into the site, so the site works on its own. */
async function copyAssets(archive: string, siteDir: string): Promise<number> {
  const from = path.join(archive, 'assets');
  if (!existsSync(from)) return 0;
  let written = 0;
  for (const d of readdirSync(from, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(path.join(from, d.name), { withFileTypes: true })) {
      if (!f.isFile() || f.name.startsWith('.')) continue;
      const target = path.join(siteDir, ASSETS, 'assets', d.name, f.name);
      // Content-addressed names: an existing file already has the right bytes.
      if (existsSync(target)) continue;
      if (await writeFileAtomic(target, readFileSync(path.join(from, d.name, f.name)))) written++;
    }
  }
  return written;
}
