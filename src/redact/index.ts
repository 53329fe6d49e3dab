/**
 * Redaction stage: takedown requests honoured. `loadRedactions` gives the rules of `redactions.yaml` as
 * functions the pipeline applies to what a run is about to store (so every output rendered from the archive
 * is rendered from redacted data); `redactArchive` records a new rule and applies it to what is already there.
 */
import { createHash } from 'node:crypto';
import type { PageCache } from '../extract/index.js';
import { TITLE_WINDOW_MS } from '../identity/index.js';
import type { FeedItem } from '../types.js';
import { fold, Matcher } from './match.js';
import { readRules, type RemoveRule } from './rules.js';

export { redactArchive, type RedactReport, type RedactRequest } from './archive.js';
export { RULES_FILE, type RedactionRule } from './rules.js';

/** What a story is known by, as identity probes it. */
export interface StoryKeys {
  guid: string | null;
  canonicalLink: string;
  normTitle: string;
  published: number;
}

/** The archive's rules, ready to apply. Without rules every function returns its input as it is, at no cost. */
export interface Redactions {
  /** How many rules the archive has. */
  readonly count: number;
  /** Plain text (a title, a name). */
  text(s: string): string;
  /** A link or guid (also percent-decoded). */
  url(s: string): string;
  /** An HTML body, text and attributes. */
  html(s: string): string;
  /** The short fields of a feed item that identity and the file's header use: title, guid, link, author. */
  item(item: FeedItem): FeedItem;
  /** True when the story was removed on request (`redact --remove`): a run must not store it again. */
  removed(site: string, keys: StoryKeys): boolean;
  /** Ids of removed stories, never to be handed out again. */
  removedIds(): { site: string; id: number; path: string }[];
  /** A page cache that stores pages redacted, so no source page in the index holds a redacted text. */
  pageCache(cache: PageCache): PageCache;
}

/** Salted hash of one identity key of a story of `site` (what a removal rule stores). */
export function storyKeyHash(salt: string, site: string, key: string): string {
  return createHash('sha256').update(`${salt}\u0000${site}\u0000${key}`, 'utf8').digest('hex');
}

/** The identity keys of a story, as removal rules hash them. */
export function storyKeys(k: StoryKeys): string[] {
  return [k.guid ? `g:${k.guid}` : null, `l:${k.canonicalLink}`, k.normTitle ? `t:${fold(k.normTitle)}` : null].filter((x): x is string => x !== null);
}

/** The rules of the archive at `root` (none when it has no redactions.yaml); throws a config error for a broken file. */
export function loadRedactions(root: string): Redactions {
  const file = readRules(root);
  const texts = file.rules.filter((r) => r.action === 'text');
  const removals = file.rules.filter((r): r is RemoveRule => r.action === 'remove');
  const m = new Matcher(file.salt, texts.map((r) => ({ hash: r.match, length: r.length, replace: r.replace, hint: r.hint })));
  const removedKeys = new Map<string, RemoveRule>();
  for (const r of removals) for (const k of r.keys) removedKeys.set(k, r);
  const none = m.empty;
  return {
    count: file.rules.length,
    text: (s) => (none ? s : m.text(s)),
    url: (s) => (none ? s : m.url(s)),
    html: (s) => (none ? s : m.html(s)),
    item: (item) =>
      none
        ? item
        : {
            ...item,
            title: item.title === null ? null : m.text(item.title),
            guid: item.guid === null ? null : m.url(item.guid),
            link: item.link === null ? null : m.url(item.link),
            author: item.author === null ? null : m.text(item.author),
          },
    removed: (site, keys) => {
      if (removedKeys.size === 0) return false;
      for (const k of storyKeys(keys)) {
        const r = removedKeys.get(storyKeyHash(file.salt, site, k));
        // A title names the story only near its date, as in identity; a guid or a link always does.
        if (r && (!k.startsWith('t:') || Math.abs(r.published - keys.published) <= TITLE_WINDOW_MS)) return true;
      }
      return false;
    },
    removedIds: () =>
      removals.flatMap((r) => {
        const [site, id] = r.target.split('/');
        return site && /^\d+$/.test(id ?? '') ? [{ site, id: Number(id), path: r.path }] : [];
      }),
    pageCache: (cache) => (none ? cache : { get: (url) => cache.get(url), put: (url, html) => cache.put(url, m.html(html)) }),
  };
}
