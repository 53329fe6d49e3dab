/** Per-site lists and the README's block, in the original's layout; deterministic, no wall-clock time. */
import { escapeListTitle, escapeTitle, linkPath, strip } from './format.js';

export { linkPath };

/** `M-D` of `ms` in the readers' time zone (no leading zeros), as the original's lists show it. */
export function monthDay(ms: number, tzOffsetMinutes = 480): string {
  const d = new Date(ms + tzOffsetMinutes * 60_000);
  return `${d.getUTCMonth() + 1}-${d.getUTCDate()}`;
}

// What the original's `url.resolve('', '<folder>/<file>')` escapes (Node's legacy parser, autoEscape).
const AUTO_ESCAPE: Record<string, string> = {
  '\t': '%09', '\n': '%0A', '\r': '%0D', ' ': '%20', '"': '%22', "'": '%27', '<': '%3C', '>': '%3E',
  '\\': '%5C', '^': '%5E', '`': '%60', '{': '%7B', '|': '%7C', '}': '%7D',
};
const isUrlSpace = (c: number) => c < 33 || c === 0xa0 || c === 0xfeff;

/**
 * A path as the original's generateList linked it: `urlMod.resolve('', path)` (Node's legacy URL parser), by its
 * rule: white space (code < 33, U+00A0, U+FEFF) trimmed at both ends; `\` turned into `/` before the first `?` or
 * `#`; then tab, newline, CR, space, `"`, `'`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}` percent-encoded. Nothing
 * else: `%`, `:`, `?`, `#`, U+00A0 inside the name and every other non-ASCII character stay raw.
 */
export function originalLinkPath(p: string): string {
  let start = 0;
  let end = p.length;
  while (start < end && isUrlSpace(p.charCodeAt(start))) start++;
  while (end > start && isUrlSpace(p.charCodeAt(end - 1))) end--;
  let s = p.slice(start, end);
  const split = s.search(/[?#]/);
  const head = split < 0 ? s : s.slice(0, split);
  s = head.replace(/\\/g, '/') + (split < 0 ? '' : s.slice(split));
  return s.replace(/[\t\n\r "'<>\\^`{|}]/g, (c) => AUTO_ESCAPE[c]!);
}

/** One file of a list: what its line is made of (see ArchiveIndex.listEntries). */
export interface ListFileEntry {
  /** Relative to the archive root: `articles/<folder>/<file>`. */
  path: string;
  title: string;
  /** The title as the file spells it; null or absent: newsmirror's escaped form of `title`. */
  listTitle?: string | null;
  /** No date in the line (a file without a timestamp line). */
  undated?: boolean;
  published: number;
  /** Put before the title in the link text (the revisions stage's 〔原文已修改〕 / 〔原文已删除〕), so the line keeps its shape. */
  mark?: string;
}

/**
 * The shape of an existing list: the old one (the original until 2020-10: title taken from the file name, and
 * a `[查看更多](/articles/<folder>)` footer with no final newline) or the current one. A run keeps the shape a
 * list file already has; a new list gets the current one.
 */
export type ListShape = { kind: 'current' } | { kind: 'old'; footer: string };

const FOOTER = /\n\n(\[查看更多\]\([^)\n]*\))$/;

export function listShape(existing: string | null): ListShape {
  const m = existing === null ? null : FOOTER.exec(existing);
  return m ? { kind: 'old', footer: m[1]! } : { kind: 'current' };
}

const NAME_TITLE = /^\d+_([\s\S]+)\.md$/;
const NAME_ID = /^(\d+)(?:_|\.md$)/;

/** An entry of an existing list kept as it is (see foreignEntries). */
export interface ForeignEntry {
  id: number;
  line: string;
}

const ENTRY_ID = /\]\(\/articles\/[^/()]+\/(\d+)(?:_|\.md)/;

/**
 * The entries of an existing list that newsmirror cannot write again because the index has never known
 * their story: an archive imported without some of its files (a slice, a shallow copy). They stay in the list
 * word for word, in id order among the others, so a render changes no line it cannot account for. A story the
 * index knew and that is gone (removed on request, or deleted by hand) is not one of them: its line goes.
 */
export function foreignEntries(existing: string | null, known: (id: number) => boolean): ForeignEntry[] {
  if (existing === null) return [];
  const body = existing.replace(FOOTER, '');
  const start = body.indexOf('\n------\n\n');
  if (start < 0) return [];
  const out: ForeignEntry[] = [];
  for (const item of body.slice(start + 9).split('\n\n')) {
    const line = item.replace(/\n+$/, '');
    const m = ENTRY_ID.exec(line);
    if (m && !known(Number(m[1]))) out.push({ id: Number(m[1]), line });
  }
  return out;
}

/**
 * lists/<site name>.md, line for line as the original's generateList wrote it: `{name}\n------\n\n`, then
 * one `{M}-{D} [{title}](/articles/{link})\n` per file joined by "\n" (no date for a file without a timestamp
 * line), then "\n" (current shape) or "\n\n" + the footer (old shape). The title is the file's own spelling
 * (the file name's for `<id>_<title>.md` files in the old shape, as that version read it), trimmed; the link is
 * originalLinkPath of `<folder>/<file>`. Entries come ordered (newest first).
 */
export function renderList(
  siteName: string,
  entries: ListFileEntry[],
  opts: { tzOffsetMinutes?: number; shape?: ListShape; foreign?: ForeignEntry[]; limit?: number } = {},
): string {
  const shape = opts.shape ?? { kind: 'current' };
  const mine = entries.map((e) => {
    const rel = e.path.replace(/^articles\//, '');
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const fromName = shape.kind === 'old' ? NAME_TITLE.exec(name) : null;
    const title = fromName ? strip(fromName[1]!) : e.listTitle != null ? strip(e.listTitle) : escapeTitle(e.title);
    const date = e.undated ? '' : `${monthDay(e.published, opts.tzOffsetMinutes)} `;
    return { id: Number(NAME_ID.exec(name)?.[1] ?? Number.NaN), line: `${date}[${e.mark ?? ''}${title}](/articles/${originalLinkPath(rel)})` };
  });
  // Lines kept from the list as it was go among the others by id (the original's file-name order).
  const all = opts.foreign?.length ? [...mine, ...opts.foreign].sort((a, b) => a.id - b.id) : mine;
  const items = all.slice(0, opts.limit ?? all.length).map((x) => `${x.line}\n`);
  const head = `${siteName}\n------\n\n${items.join('\n')}`;
  return shape.kind === 'old' ? `${head}\n\n${shape.footer}` : `${head}\n`;
}

/** Date `YYYY-MM-DD` in the readers' time zone. */
function ymd(ms: number, tzOffsetMinutes: number): string {
  return new Date(ms + tzOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * The lines that delimit the part of README.md newsmirror writes; everything outside them is the maintainer's.
 * They are Markdown link reference definitions (`[//]: # (…)`), which every CommonMark renderer shows as
 * nothing, so the README holds no HTML.
 */
export const README_BEGIN = '[//]: # (newsmirror:begin)';
export const README_END = '[//]: # (newsmirror:end)';
const BEGIN_RE = /^\[\/\/\]: # \(newsmirror:begin\)[^\S\n]*$/m;
const END_RE = /^\[\/\/\]: # \(newsmirror:end\)[^\S\n]*$/m;

/** What the README block links, and where. */
export interface ReadmeOptions {
  feeds?: boolean;
  site?: boolean;
  /** The daily digests page, relative to the archive root (null: none). */
  digests?: string | null;
  /**
   * Where the derived outputs (feeds, website, digests) are served, ending in `/`; '' for links relative to the
   * archive root. They are published on a branch of their own, so on the Git host's main branch only an
   * absolute base (from site.baseUrl) reaches them.
   */
  base?: string;
  /** The website's front page, relative to the archive root (default `site/index.html`). */
  siteIndex?: string;
  tzOffsetMinutes?: number;
}

/**
 * What newsmirror keeps in README.md, between README_BEGIN and README_END: one `[name](lists/name.md)` paragraph
 * per site (with its count and latest date, both from the data so a run that stores nothing changes no byte),
 * optional feed and website links.
 */
export function renderReadmeBlock(
  sites: { name: string; abbr?: string; count: number; latest: number | null }[],
  opts: ReadmeOptions = {},
): string {
  const tz = opts.tzOffsetMinutes ?? 480;
  const base = opts.base ?? '';
  const out: string[] = [];
  for (const s of sites) {
    const facts = s.count > 0 ? ` — ${s.count} 篇${s.latest !== null ? `，最新 ${ymd(s.latest, tz)}` : ''}` : '';
    out.push(`[${escapeListTitle(s.name)}](lists/${linkPath(s.name)}.md)${facts}`, '');
  }
  if (opts.feeds) {
    out.push(`订阅 / Feeds: [全部 all](${base}feeds/all.xml)` + sites.filter((s) => s.abbr && s.count > 0).map((s) => ` · [${escapeListTitle(s.name)}](${base}feeds/${linkPath(s.abbr!)}.xml)`).join(''), '');
  }
  const siteIndex = opts.siteIndex ?? 'site/index.html';
  if (opts.site) out.push(`网站 / Website: [${siteIndex}](${base}${linkPath(siteIndex)})`, '');
  if (opts.digests) out.push(`每日文摘 / Daily digests (EPUB, HTML): [${opts.digests}](${base}${linkPath(opts.digests)})`, '');
  return out.join('\n');
}

/**
 * README.md for a new archive: a heading, the newsmirror block, credits. Everything but the block is the
 * maintainer's from then on.
 */
export function renderReadme(
  sites: { name: string; abbr?: string; count: number; latest: number | null }[],
  opts: ReadmeOptions = {},
): string {
  return [
    '# 新闻镜像 News mirror',
    '',
    README_BEGIN,
    '',
    renderReadmeBlock(sites, opts) + README_END,
    '',
    '------',
    '',
    '本仓库由 [newsmirror](https://github.com/newsmirror/newsmirror) 定时镜像各新闻网站的 RSS 生成，版权归原作者所有。',
    '',
  ].join('\n');
}

/**
 * The README after a run: a new one (renderReadme) when there is none; else the same bytes with only the text
 * between the begin and end lines replaced. A README without both lines (one its maintainer wrote, such as
 * the original mirror's) is never touched: null. The maintainer opts in by adding the two lines where the block
 * should go (docs/ARCHIVE_FORMAT.md, "README.md").
 */
export function updateReadme(
  existing: string | null,
  sites: { name: string; abbr?: string; count: number; latest: number | null }[],
  opts: ReadmeOptions = {},
): string | null {
  if (existing === null) return renderReadme(sites, opts);
  const b = BEGIN_RE.exec(existing);
  if (!b) return null;
  const from = b.index + b[0].length;
  const rest = existing.slice(from);
  const e = END_RE.exec(rest);
  if (!e) return null;
  return `${existing.slice(0, from)}\n\n${renderReadmeBlock(sites, opts)}${rest.slice(e.index)}`;
}

/** What to tell a maintainer whose README has no block (one line). */
export const README_BLOCK_NOTE =
  'README.md has no newsmirror block, so it was left as it is; to have newsmirror keep site links and counts there, add the lines `[//]: # (newsmirror:begin)` and `[//]: # (newsmirror:end)` (docs/ARCHIVE_FORMAT.md, README.md)';
