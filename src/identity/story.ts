/**
 * Which story a feed item is: the same as another item of the same feed (the newest wins), the same as a stored
 * story (guid, canonical link, a WordPress post id, or a title with near-identical text), and which id a new
 * story gets. Typed values in, a decision out: the caller reads the files and writes what was decided.
 */
import { htmlToText } from '../clean/index.js';
import type { ArticleRecord, FeedItem, SiteConfig } from '../types.js';
import { nearIdentical, normalizeTitle, wordpressId, type ArchiveIndex } from './index.js';

/** A feed item with the keys identity matches it on. */
export interface FeedStory {
  item: FeedItem;
  guid: string | null;
  link: string;
  canonical: string;
  /** The normalized title the feed gave ('' for none: a stand-in made from the body identifies nothing). */
  normTitle: string;
  published: number;
  /** Older versions of the same story in the same feed (the newest won, see newestPerStory). */
  superseded: FeedItem[];
}

/** A stored article's title and body, read by the caller (throws when the file is unreadable). */
export type ReadStored = (rel: string) => { title: string; body: string };

/**
 * Two items of one story in one feed: the newest (by updated, else published date; else the first, as feeds
 * list the newest first) stays, the other is pushed onto its `superseded` (a revision, if it reads differently).
 * Same guid or same canonical link is the same story; a title they share only with near-identical text.
 */
export function newestPerStory<S extends FeedStory>(stories: S[]): { stories: S[]; duplicates: number } {
  const seen = new Map<string, number>();
  // Earlier items of this feed by title: a title they share makes one story only with near-identical text
  // (daily round-ups carry one title for many stories). Texts are made only when a title repeats.
  const titled = new Map<string, { at: number; html: string; text?: string }[]>();
  const out: S[] = [];
  let duplicates = 0;
  for (const story of stories) {
    const { item, normTitle } = story;
    const keys = [story.guid ? `g:${story.guid}` : null, `l:${story.canonical}`];
    let at = keys.map((k) => (k === null ? undefined : seen.get(k))).find((i) => i !== undefined);
    const html = item.contentHtml ?? item.summary ?? '';
    const sameTitle = normTitle ? (titled.get(normTitle) ?? []) : [];
    if (at === undefined && sameTitle.length > 0) {
      const text = htmlToText(html);
      at = sameTitle.find((t) => nearIdentical((t.text ??= htmlToText(t.html)), text))?.at;
    }
    if (normTitle && at === undefined) titled.set(normTitle, [...sameTitle, { at: out.length, html }]);
    for (const k of keys) if (k && at === undefined) seen.set(k, out.length);
    if (at === undefined) {
      out.push(story);
      continue;
    }
    duplicates++;
    const prior = out[at]!;
    if (versionTime(item) > versionTime(prior.item)) {
      story.superseded = [prior.item, ...prior.superseded];
      out[at] = story;
      for (const k of keys) if (k) seen.set(k, at);
    } else prior.superseded.push(item);
  }
  return { stories: out, duplicates };
}

/** When the feed says an item's version dates from (updated, else published), or -Infinity. */
export function versionTime(item: FeedItem): number {
  return (item.updated ?? item.published)?.getTime() ?? Number.NEGATIVE_INFINITY;
}

/**
 * The stored story `story` is, by its keys alone (before its body is known), or null. With `text` (its cleaned
 * body as text), a stored story of the same title within a few days counts too, when the texts are near-identical.
 */
export function matchStoredStory(
  index: ArchiveIndex,
  site: Pick<SiteConfig, 'abbr' | 'ids'>,
  story: Pick<FeedStory, 'guid' | 'link' | 'canonical' | 'normTitle' | 'published'>,
  byText?: { text: string; read: ReadStored },
): ArticleRecord | null {
  const probe = { guid: story.guid, canonicalLink: story.canonical, normTitle: story.normTitle, published: story.published };
  if (byText) {
    // Same title within a few days, another guid or link: the same story only when the texts are near-identical
    // (a re-publication under a new link); otherwise a new story, however alike the titles (nearIdentical).
    for (const cand of index.titleCandidates(site.abbr, probe)) {
      if (!cand.contentHash) continue;
      try {
        if (nearIdentical(htmlToText(byText.read(cand.path).body), byText.text)) return cand;
      } catch {
        /* unreadable: not evidence of anything */
      }
    }
    return null;
  }
  // Same guid or same canonical link: the same story. A title alone is only a candidate (see above).
  const match = index.findStory(site.abbr, probe);
  if (match) return match;
  // On a WordPress-numbered site the post id is the story: a post re-served under a new slug (CDT edits titles,
  // and the slug with them) is found by its id even where the index knows no guid (files of the original).
  if (site.ids === 'wordpress') {
    const wp = wordpressId(story.guid, story.link);
    if (wp !== null) return index.get(site.abbr, wp);
  }
  return null;
}

/**
 * True when one stored file of a story (two when the original wrote a second one under its id) has
 * the same title, punctuation, width and spacing aside (CDT flips `：`, `｜` and `|`), and the same text as the
 * new body: then neither file is rewritten.
 */
export function sameAsStored(paths: string[], title: string, html: string, clean: (body: string) => string, read: ReadStored): boolean {
  const text = htmlToText(html);
  const norm = normalizeTitle(title);
  return paths.some((rel) => {
    try {
      const stored = read(rel);
      // The stored body went through another cleaner (the original's, an older newsmirror): compared after this
      // one, so that only a change at the source counts, never a change of cleaner.
      return normalizeTitle(stored.title) === norm && (htmlToText(stored.body) === text || htmlToText(clean(stored.body)) === text);
    } catch {
      return false;
    }
  });
}

/** Ids of one site's run not yet in the index (reserved there when their slice commits). */
export interface IdPlan {
  /** Next id to hand out; null until the first new story (then the index's next id). */
  nextId: number | null;
  /** Ids handed out in this run. */
  taken: Set<number>;
}

/**
 * The id of a new story by the site's scheme (SiteConfig.ids): the next smaller id, or for 'wordpress' the
 * original's `0xFFFFF ^ <post id>`, so a re-published post lands on its own id. An id already taken (by
 * another story, a further file, a corrupt file) is never reused: the story gets the next smaller id instead,
 * and `note` says why.
 */
export function allocateId(
  index: ArchiveIndex,
  site: Pick<SiteConfig, 'abbr' | 'ids'>,
  story: Pick<FeedStory, 'guid' | 'link'>,
  plan: IdPlan,
): { id: number; note: string | null } {
  plan.nextId ??= index.nextId(site.abbr);
  let note: string | null = null;
  if (site.ids === 'wordpress') {
    const wp = wordpressId(story.guid, story.link);
    if (wp !== null && !plan.taken.has(wp) && !index.idTaken(site.abbr, wp)) {
      plan.taken.add(wp);
      return { id: wp, note };
    }
    note = `${story.link}: ${wp === null ? 'no ?p=<post id> in guid or link' : `id ${wp} is taken`}; given the next smaller id`;
  }
  let id = plan.nextId;
  while (plan.taken.has(id)) id--;
  plan.taken.add(id);
  plan.nextId = id - 1;
  return { id, note };
}
