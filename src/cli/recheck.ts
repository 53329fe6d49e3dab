/** `newsmirror recheck`: re-fetch the source pages of stored articles that are due, and say what was found. */
import { NewsmirrorError } from '../errors.js';
import { recheckMirror } from '../pipeline/index.js';
import type { Config, RecheckReport } from '../types.js';

/** `--now <ISO time>` as a clock (for tests and backfills), or the real one. */
export function clockFrom(now: string | undefined): (() => number) | undefined {
  if (now === undefined) return undefined;
  const t = Date.parse(now);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}/.test(now)) throw new NewsmirrorError('usage', `--now: "${now}" is not an ISO 8601 time (e.g. 2024-05-01T12:00:00Z)`);
  return () => t;
}

/** One line per outcome, then the notes. */
export function formatRecheck(r: RecheckReport): string {
  const o = r.outcomes;
  const lines = [
    `rechecked ${r.checked} of ${r.due} due: ${o.unchanged} unchanged, ${o.edited} edited, ${o.suspected} suspected gone, ${o.gone} gone, ${o.back} back, ${o.unreachable} unreachable, ${o.skipped} skipped (${(r.ms / 1000).toFixed(1)}s)`,
    ...r.notes.map((n) => `  ${n}`),
  ];
  return lines.join('\n') + '\n';
}

export async function recheckCommand(cfg: Config, o: { json?: boolean; now?: string; limit?: string; render: boolean }): Promise<number> {
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new NewsmirrorError('usage', `--limit: "${o.limit}" is not a whole number`);
  const report = await recheckMirror(cfg, { now: clockFrom(o.now), limit, render: o.render });
  process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatRecheck(report));
  return 0;
}
