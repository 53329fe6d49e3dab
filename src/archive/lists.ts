/** Per-site lists and the README index, in the original's layout; deterministic, no wall-clock time. */
import { escapeListTitle, linkPath } from './format.js';

export { linkPath };

/** `M-D` of `ms` in the readers' time zone (no leading zeros), as the original's lists show it. */
export function monthDay(ms: number, tzOffsetMinutes = 480): string {
  const d = new Date(ms + tzOffsetMinutes * 60_000);
  return `${d.getUTCMonth() + 1}-${d.getUTCDate()}`;
}

/**
 * lists/<site name>.md, as the original's generateList wrote it: `{name}\n------\n\n`, then one
 * `{M}-{D} [{title}](/{path})\n` per entry joined by "\n", then a final "\n". Entries come already ordered
 * (newest first); paths are relative to the archive root.
 */
export function renderList(
  siteName: string,
  entries: { title: string; published: number; path: string }[],
  opts: { tzOffsetMinutes?: number } = {},
): string {
  const items = entries.map((e) => `${monthDay(e.published, opts.tzOffsetMinutes)} [${escapeListTitle(e.title)}](/${linkPath(e.path)})\n`);
  return `${siteName}\n------\n\n${items.join('\n')}\n`;
}

/** Date `YYYY-MM-DD` in the readers' time zone. */
function ymd(ms: number, tzOffsetMinutes: number): string {
  return new Date(ms + tzOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * README.md: a heading, one `[name](lists/name.md)` paragraph per site (with its count and latest date, both
 * taken from the data so a run that stores nothing changes no byte), optional feed, website and daily
 * digests links, then credits.
 */
export function renderReadme(
  sites: { name: string; abbr?: string; count: number; latest: number | null }[],
  opts: { feeds?: boolean; site?: boolean; digests?: string | null; tzOffsetMinutes?: number } = {},
): string {
  const tz = opts.tzOffsetMinutes ?? 480;
  const out = ['# 新闻镜像 News mirror', ''];
  for (const s of sites) {
    const facts = s.count > 0 ? ` — ${s.count} 篇${s.latest !== null ? `，最新 ${ymd(s.latest, tz)}` : ''}` : '';
    out.push(`[${escapeListTitle(s.name)}](lists/${linkPath(s.name)}.md)${facts}`, '');
  }
  if (opts.feeds) {
    out.push('订阅 / Feeds: [全部 all](feeds/all.xml)' + sites.filter((s) => s.abbr && s.count > 0).map((s) => ` · [${escapeListTitle(s.name)}](feeds/${linkPath(s.abbr!)}.xml)`).join(''), '');
  }
  if (opts.site) out.push('网站 / Website: [site/index.html](site/index.html)', '');
  if (opts.digests) out.push(`每日文摘 / Daily digests (EPUB, HTML): [${opts.digests}](${linkPath(opts.digests)})`, '');
  out.push('------', '', '本仓库由 [newsmirror](https://github.com/newsmirror/newsmirror) 定时镜像各新闻网站的 RSS 生成，版权归原作者所有。', '');
  return out.join('\n');
}
