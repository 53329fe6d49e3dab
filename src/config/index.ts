/**
 * Config stage: one YAML file (newsmirror.yaml), validated once at the boundary into a typed Config.
 * Errors name the file, the key and what is wrong, on one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { NewsmirrorError } from '../errors.js';
import { DEFAULT_FETCH_POLICY } from '../fetch/index.js';
import { DEFAULT_RECHECK } from '../recheck/index.js';
import type { Config, FetchPolicy, RecheckPolicy, SiteConfig } from '../types.js';

export { outputLinks, type OutputLinks } from './links.js';

export const DEFAULT_CONFIG_FILE = 'newsmirror.yaml';
export const DEFAULT_IMAGE_PROXY = 'https://images.weserv.nl?url={url}';

/** The original's CDT category test (`emojiRegexp` in its fetchCDT): ©, ®, U+2000–U+3300, emoji. */
export const CDT_CATEGORY = /[\u00a9\u00ae\u2000-\u3300\u{1F000}-\u{1FBFF}]/u;

/** The original mirror's site list, with the feeds it used. */
export const DEFAULT_SITES: SiteConfig[] = [
  site('路透', 'reuters', 'https://feedx.net/rss/reuters.xml'),
  site('纽约时报', 'nyt', 'https://feedx.net/rss/nytimes.xml'),
  site('美国之音', 'voa', 'https://feedx.net/rss/mgzy1.xml'),
  site('金融时报', 'ft', 'https://feedx.net/rss/ft.xml'),
  site('BBC', 'bbc', 'https://feedx.net/rss/bbc.xml'),
  site('法广', 'rfi', 'https://feedx.net/rss/rfi.xml'),
  site('德国之声', 'dw', 'https://feedx.net/rss/dw.xml'),
  site('自由亚洲电台', 'rfa', 'https://www.rfa.org/mandarin/yataibaodao/rss2.xml'),
  // The original scraped CDT's article pages for the whole text, from this container; numbered posts by their
  // WordPress id; and mirrored only posts with a category holding a symbol, emoji or CJK punctuation (its test).
  {
    ...site('中国数字时代', 'cdt', 'https://chinadigitaltimes.net/chinese/feed/'),
    fullText: 'always',
    selector: 'div.post-content',
    ids: 'wordpress',
    include: { category: CDT_CATEGORY },
  },
];

function site(name: string, abbr: string, feed: string): SiteConfig {
  return { name, abbr, feed, fullText: 'auto', selector: null, images: 'proxy' };
}

/** Politeness defaults; every request of a run shares them (the fetch stage owns them). */
export const DEFAULT_FETCH: FetchPolicy = DEFAULT_FETCH_POLICY;

/**
 * Article pages per site on the website (issue 15): 9 sites × 5,000 pages × ~7.7 KB ≈ 0.35 GB, which leaves
 * GitHub Pages' 1 GB room for the search index of a few hundred thousand articles.
 */
const DEFAULT_PAGES_PER_SITE = 5000;

const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

// A site name becomes a file name (lists/<name>.md): refuse what no file system or Markdown link survives.
const siteName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((s) => !/[/\\\u0000-\u001f<>:"|?*]/.test(s) && s !== '.' && s !== '..', 'must not contain / \\ < > : " | ? * or control characters');

const siteSchema = z.strictObject({
  name: siteName,
  abbr: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be letters, digits, - or _ (it names the folder under articles/)'),
  feed: httpUrl,
  fullText: z.enum(['auto', 'always', 'never']).optional(),
  selector: z.string().min(1).nullable().optional(),
  images: z.enum(['proxy', 'local', 'none']).optional(),
  ids: z.enum(['sequential', 'wordpress']).optional(),
  include: z
    .strictObject({
      category: z.string().min(1).refine((s) => {
        try {
          new RegExp(s, 'u');
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression'),
    })
    .optional(),
});

const schema = z.strictObject({
  archive: z.string().min(1).default('.'),
  imageProxy: z
    .string()
    .refine((s) => s === 'none' || (s.includes('{url}') && /^https?:\/\//.test(s)), 'must be "none" or an http(s) URL template containing {url}')
    .default(DEFAULT_IMAGE_PROXY),
  listSize: z.number().int().min(1).max(100_000).default(300),
  timezoneOffsetMinutes: z.number().int().min(-720).max(840).default(480),
  fullText: z.enum(['auto', 'always', 'never']).default('auto'),
  images: z.enum(['proxy', 'local', 'none']).default('proxy'),
  allowPrivateNetworks: z.boolean().default(false),
  allowedPrivateHosts: z.array(z.string().min(1)).default([]),
  fetch: z
    .strictObject({
      concurrency: z.number().int().min(1).max(256).optional(),
      perHost: z.number().int().min(1).max(64).optional(),
      connectTimeoutSeconds: z.number().positive().max(600).optional(),
      timeoutSeconds: z.number().positive().max(3600).optional(),
      maxMegabytes: z.number().positive().max(1024).optional(),
      maxRedirects: z.number().int().min(0).max(20).optional(),
      retries: z.number().int().min(0).max(10).optional(),
      userAgent: z.string().min(1).optional(),
    })
    .default({}),
  site: z
    .strictObject({
      dir: z.string().min(1).default('site'),
      baseUrl: httpUrl.nullable().default(null),
      // Article pages for the newest N articles of each site; older ones link to their Markdown (sourceUrl + path).
      pagesPerSite: z.number().int().min(0).default(DEFAULT_PAGES_PER_SITE),
      sourceUrl: httpUrl.nullable().default(null),
    })
    .default({ dir: 'site', baseUrl: null, pagesPerSite: DEFAULT_PAGES_PER_SITE, sourceUrl: null }),
  // Daily digests (EPUB + HTML); the folder defaults to digests/ inside the website, so it moves with it.
  digests: z
    .strictObject({ dir: z.string().min(1).optional(), imageMaxBytes: z.number().int().min(0).max(50_000_000).default(300 * 1024) })
    .default({ imageMaxBytes: 300 * 1024 }),
  publish: z
    .strictObject({ remote: z.string().min(1).default('origin'), branch: z.string().min(1).default('main'), siteBranch: z.string().min(1).default('site') })
    .default({ remote: 'origin', branch: 'main', siteBranch: 'site' }),
  sites: z.array(siteSchema).min(1, 'must list at least one site').optional(),
  recheck: z
    .strictObject({
      perRun: z.number().int().min(0).max(1_000_000).optional(),
      schedule: z.array(z.string().regex(/^\d+(?:\.\d+)?\s*[mhd]$/, 'each step must be a duration like 15m, 6h or 3d')).min(1).optional(),
    })
    .optional(),
});

export interface LoadConfigOptions {
  /** Explicit --config path; when absent, ./newsmirror.yaml is used if it exists, else the built-in default. */
  configPath?: string | null;
  cwd: string;
  /** --archive override, relative to cwd. */
  archive?: string | null;
}

/** Load, validate and resolve the config; throws NewsmirrorError('config') naming file, key and problem. */
export function loadConfig(opts: LoadConfigOptions): Config {
  const explicit = opts.configPath ? path.resolve(opts.cwd, opts.configPath) : null;
  const implicit = path.join(opts.cwd, DEFAULT_CONFIG_FILE);
  const file = explicit ?? (existsSync(implicit) ? implicit : null);
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new NewsmirrorError('config', `${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0];
      throw new NewsmirrorError('config', `${file}${line ? `:${line.line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
    }
    raw = doc.toJS() ?? {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new NewsmirrorError('config', `${file}: must be a mapping of keys (archive, imageProxy, sites …)`);
    }
  }
  return fromObject(raw, file, opts);
}

/** Validate an already-parsed config object (used by loadConfig and by library callers). */
export function fromObject(raw: unknown, file: string | null, opts: LoadConfigOptions): Config {
  const where = file ?? 'built-in default config';
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new NewsmirrorError('config', `${where}: ${keyPath(issue.path, issue)}: ${issueMessage(issue, valueAt(raw, issue.path))}`);
  }
  const c = parsed.data;
  // Global fullText/images are defaults for sites that do not set their own; the built-in list only sets
  // fullText where the original had to (CDT), so the global default still applies to the rest.
  const sites: SiteConfig[] = c.sites
    ? c.sites.map((s) => ({
        name: s.name,
        abbr: s.abbr,
        feed: s.feed,
        fullText: s.fullText ?? c.fullText,
        selector: s.selector ?? null,
        images: s.images ?? c.images,
        ...(s.ids ? { ids: s.ids } : {}),
        ...(s.include ? { include: { category: new RegExp(s.include.category, 'u') } } : {}),
      }))
    : DEFAULT_SITES.map((s) => ({ ...s, fullText: s.fullText === 'auto' ? c.fullText : s.fullText, images: c.images }));
  checkUnique(sites, 'abbr', where);
  checkUnique(sites, 'name', where);

  const base = file ? path.dirname(file) : opts.cwd;
  const archive = opts.archive ? path.resolve(opts.cwd, opts.archive) : path.resolve(base, c.archive);
  const f = c.fetch;
  return {
    configPath: file,
    archive,
    imageProxy: c.imageProxy === 'none' ? null : c.imageProxy,
    listSize: c.listSize,
    tzOffsetMinutes: c.timezoneOffsetMinutes,
    fetch: {
      ...DEFAULT_FETCH,
      concurrency: f.concurrency ?? DEFAULT_FETCH.concurrency,
      perHost: f.perHost ?? DEFAULT_FETCH.perHost,
      connectTimeoutMs: f.connectTimeoutSeconds ? f.connectTimeoutSeconds * 1000 : DEFAULT_FETCH.connectTimeoutMs,
      timeoutMs: f.timeoutSeconds ? f.timeoutSeconds * 1000 : DEFAULT_FETCH.timeoutMs,
      maxBytes: f.maxMegabytes ? Math.round(f.maxMegabytes * 1024 * 1024) : DEFAULT_FETCH.maxBytes,
      maxRedirects: f.maxRedirects ?? DEFAULT_FETCH.maxRedirects,
      retries: f.retries ?? DEFAULT_FETCH.retries,
      userAgent: f.userAgent ?? DEFAULT_FETCH.userAgent,
      allowPrivateNetworks: c.allowPrivateNetworks,
      allowedPrivateHosts: c.allowedPrivateHosts,
    },
    sites,
    siteDir: path.resolve(archive, c.site.dir),
    digests: { dir: path.resolve(archive, c.digests.dir ?? path.join(c.site.dir, 'digests')), imageMaxBytes: c.digests.imageMaxBytes },
    baseUrl: c.site.baseUrl ? c.site.baseUrl.replace(/\/+$/, '') : null,
    sitePages: { perSite: c.site.pagesPerSite, sourceUrl: c.site.sourceUrl ? c.site.sourceUrl.replace(/\/*$/, '/') : null },
    publish: c.publish,
    ...(c.recheck ? { recheck: recheckPolicy(c.recheck) } : {}),
  };
}

/** `recheck: { perRun, schedule: ['1h', '6h', …] }` → ms offsets, ascending (defaults: 100 and 1h 6h 1d 3d 7d 30d). */
function recheckPolicy(r: { perRun?: number; schedule?: string[] }): RecheckPolicy {
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const scheduleMs = r.schedule
    ? r.schedule.map((s) => Math.round(parseFloat(s) * unit[s.trim().slice(-1) as keyof typeof unit])).sort((a, b) => a - b)
    : DEFAULT_RECHECK.scheduleMs;
  return { perRun: r.perRun ?? DEFAULT_RECHECK.perRun, scheduleMs };
}

function checkUnique(sites: SiteConfig[], key: 'abbr' | 'name', where: string): void {
  const seen = new Map<string, number>();
  sites.forEach((s, i) => {
    const k = key === 'abbr' ? s.abbr.toLowerCase() : s.name;
    const prev = seen.get(k);
    if (prev !== undefined) {
      throw new NewsmirrorError('config', `${where}: sites[${i}].${key}: "${s[key]}" is already used by sites[${prev}]`);
    }
    seen.set(k, i);
  });
}

function keyPath(p: PropertyKey[], issue: z.core.$ZodIssue): string {
  const parts = [...p];
  // An unknown key is reported on its parent; name the key itself, it is what the user mistyped.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) parts.push(issue.keys[0]!);
  if (parts.length === 0) return '(top level)';
  return parts.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

function valueAt(raw: unknown, p: PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of p) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') return 'unknown key (check the spelling; see newsmirror init for every key)';
  if (issue.code === 'invalid_type') {
    if (input === undefined) return `is required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${Array.isArray(input) ? 'array' : input === null ? 'null' : typeof input}`;
  }
  return issue.message;
}
