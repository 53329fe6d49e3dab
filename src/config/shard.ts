/** Sharding: `run --shard i/n` takes a deterministic 1/n of the sites, stable when a site is added. */
import { createHash } from 'node:crypto';
import { NewsmirrorError } from '../errors.js';

/** Parse "i/n" (1-based); throws NewsmirrorError('usage'). */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new NewsmirrorError('usage', `--shard: "${spec}" is not i/n with 1 ≤ i ≤ n (e.g. 2/4)`);
  }
  return { index, count };
}

/** The shard (1-based) a site belongs to: a hash of its abbr alone, so adding a site moves no other. */
export function shardOf(abbr: string, count: number): number {
  const h = createHash('sha1').update(abbr.toLowerCase()).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/** The sites of shard `index` of `count`. */
export function selectShard<T extends { abbr: string }>(sites: T[], index: number, count: number): T[] {
  return sites.filter((s) => shardOf(s.abbr, count) === index);
}
