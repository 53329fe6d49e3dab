/**
 * Redaction stage: takedown requests honoured. `loadRedactions` gives the rules of `redactions.yaml` as
 * functions the pipeline applies to what a run is about to store (so every output rendered from the archive
 * is rendered from redacted data); `redactArchive` records a new rule and applies it to what is already there.
 */
import type { PageCache } from '../extract/index.js';
import { TITLE_WINDOW_MS, type ArchiveIndex } from '../identity/index.js';
import type { FeedItem } from '../types.js';
import { syncIndex } from './archive.js';
import { hashedMatcher, readRules, storyKeyHash, storyKeys, type RemoveRule, type StoryKeys } from './rules.js';

export { redactArchive, type RedactReport, type RedactRequest } from './archive.js';
export { APPLIED_KEY, RULES_FILE, type RedactionRule, type StoryKeys } from './rules.js';

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
  /**
   * Bring an index that has not seen these rules up to them (an index restored from a CI cache older than the
   * rules, one rebuilt elsewhere): records, cached pages and every stored text redacted, removed stories
   * forgotten. Once per change of redactions.yaml; true when it changed anything.
   */
  sync(index: ArchiveIndex): boolean;
}

/** The rules of the archive at `root` (none when it has no redactions.yaml); throws a config error for a broken file. */
export function loadRedactions(root: string): Redactions {
  const file = readRules(root);
  const removals = file.rules.filter((r): r is RemoveRule => r.action === 'remove');
  const m = hashedMatcher(file);
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
    sync: (index) => syncIndex(index, root, file),
  };
}
