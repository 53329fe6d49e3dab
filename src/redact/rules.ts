/**
 * `redactions.yaml` at the archive root: the record of every takedown newsmirror honours, committed with the
 * archive so that every clone and every CI runner applies the same rules. It never holds the redacted text
 * itself (the rule would otherwise put back what it removes): a text rule keeps a salted SHA-256 of the text,
 * folded, and its length; a removal keeps salted hashes of the story's guid, link and title.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from '../archive/index.js';
import { NewsmirrorError } from '../errors.js';
import { fold, Matcher } from './match.js';

export const RULES_FILE = 'redactions.yaml';

const TextRule = z.object({
  target: z.string().min(1),
  action: z.literal('text'),
  /** sha256 hex of salt + folded text. */
  match: z.string().regex(/^[0-9a-f]{64}$/),
  /** Code points of the folded text. */
  length: z.number().int().positive(),
  /** Salted buckets of the first and last characters (Matcher.hintOf), so a run hashes few windows. */
  hint: z.number().int().min(0).max(4095).optional(),
  replace: z.string(),
  reason: z.string().min(1),
  date: z.string(),
});

const RemoveRule = z.object({
  target: z.string().min(1),
  action: z.literal('remove'),
  /** The file that was removed (archive-relative). */
  path: z.string().min(1),
  /** sha256 hex of salt + `g:guid`, `l:canonical link`, `t:normalised title` of the story. */
  keys: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  /** Publication time of the story: a title matches only near it, as in identity. */
  published: z.number(),
  reason: z.string().min(1),
  date: z.string(),
});

const RulesFile = z.object({
  salt: z.string().regex(/^[0-9a-f]{32,}$/),
  rules: z.array(z.discriminatedUnion('action', [TextRule, RemoveRule])).default([]),
});

export type TextRule = z.infer<typeof TextRule>;
export type RemoveRule = z.infer<typeof RemoveRule>;
export type RedactionRule = TextRule | RemoveRule;
export type RulesFile = z.infer<typeof RulesFile>;

/**
 * The rules of the archive at `root`, or none (and a fresh salt) when it has no redactions.yaml; `fingerprint`
 * is the file's sha256 ('' without a file), so the index can tell whether it has applied these rules.
 */
export function readRules(root: string): RulesFile & { fingerprint: string } {
  const file = path.join(root, RULES_FILE);
  if (!existsSync(file)) return { salt: randomBytes(16).toString('hex'), rules: [], fingerprint: '' };
  let raw: unknown;
  const bytes = readFileSync(file);
  try {
    raw = YAML.parse(bytes.toString('utf8'));
  } catch (err) {
    // A rules file that cannot be read must stop the run: mirroring on without it would publish what was taken down.
    throw new NewsmirrorError('config', `${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = RulesFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new NewsmirrorError('config', `${file}: ${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  return { ...parsed.data, fingerprint: createHash('sha256').update(bytes).digest('hex') };
}

const HEADER = `Redactions newsmirror applies to this archive: to every article, revision, list, README, feed, website
page, search index and digest, and to everything every later run stores. Written by \`newsmirror redact\`;
see docs/REDACTION.md. The redacted text itself is not kept here: \`match\` is a salted SHA-256 of it.`;

/** Write the rules atomically, with a header saying what the file is. */
export async function writeRules(root: string, rules: RulesFile): Promise<void> {
  const doc = new YAML.Document({ salt: rules.salt, rules: rules.rules });
  doc.commentBefore = HEADER.split('\n').map((l) => ` ${l}`).join('\n');
  await writeFileAtomic(path.join(root, RULES_FILE), doc.toString({ lineWidth: 0 }));
}

/** Index meta key: the fingerprint of the redactions.yaml the index has applied. */
export const APPLIED_KEY = 'redactions-applied';

/** What a story is known by, as identity probes it. */
export interface StoryKeys {
  guid: string | null;
  canonicalLink: string;
  normTitle: string;
  published: number;
}

/** Salted hash of one identity key of a story of `site` (what a removal rule stores). */
export function storyKeyHash(salt: string, site: string, key: string): string {
  return createHash('sha256').update(`${salt}\u0000${site}\u0000${key}`, 'utf8').digest('hex');
}

/** The identity keys of a story, as removal rules hash them. */
export function storyKeys(k: StoryKeys): string[] {
  return [k.guid ? `g:${k.guid}` : null, `l:${k.canonicalLink}`, k.normTitle ? `t:${fold(k.normTitle)}` : null].filter((x): x is string => x !== null);
}

/** The text rules of `file` as a matcher that knows only their hashes (what a run has). */
export function hashedMatcher(file: RulesFile): Matcher {
  const texts = file.rules.filter((r): r is TextRule => r.action === 'text');
  return new Matcher(file.salt, texts.map((r) => ({ hash: r.match, length: r.length, replace: r.replace, hint: r.hint })));
}
