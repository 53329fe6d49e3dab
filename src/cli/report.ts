/** The run report as people read it: a table per site, a progress bar on a terminal, the last report on disk. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { writeFileAtomic } from '../archive/index.js';
import type { ProgressEvent } from '../pipeline/index.js';
import type { RunReport, SiteReport, UnlistedSite } from '../types.js';

/** Columns a string takes on a terminal (CJK and fullwidth characters take two). */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - width(s)));
}

function statusOf(s: SiteReport): string {
  if (s.status === 'failed') return `FAILED ${s.errorCode ?? ''}`.trim();
  return s.status === 'not-modified' ? 'not modified' : 'ok';
}

/** The human-readable report: one line per site, failures with their reason, then totals. */
export function formatReport(report: RunReport): string {
  const nameW = Math.max(4, ...report.sites.map((s) => width(s.name)));
  const lines = [`${pad('site', nameW)}  ${pad('status', 22)} items   new  upd  same  dup  time`];
  for (const s of report.sites) {
    const nums = [s.items, s.new, s.updated, s.unchanged, s.duplicates].map((n, i) => String(n).padStart(i === 0 ? 5 : 5)).join('');
    lines.push(`${pad(s.name, nameW)}  ${pad(statusOf(s), 22)}${nums}  ${(s.ms / 1000).toFixed(1)}s`);
    if (s.error) lines.push(`${' '.repeat(nameW)}  ↳ ${s.error}`);
    const ft = s.fullText;
    if (ft.fetched + ft.cached + ft.fallback > 0) {
      const reasons = Object.entries(ft.reasons).map(([k, v]) => `${k} ×${v}`).join(', ');
      lines.push(`${' '.repeat(nameW)}  ↳ full text: ${ft.fetched} fetched, ${ft.cached} cached, ${ft.fallback} kept feed body${reasons ? ` (${reasons})` : ''}`);
    }
    const im = s.images;
    if (im.stored + im.reused + im.failed > 0) {
      lines.push(`${' '.repeat(nameW)}  ↳ images: ${im.stored} stored, ${im.reused} reused, ${im.failed} failed, ${im.bytes} bytes`);
    }
    if (s.skipped > 0) lines.push(`${' '.repeat(nameW)}  ↳ ${s.skipped} items skipped`);
  }
  const t = report.totals;
  lines.push(`${t.sites} sites, ${t.failed} failed; ${t.new} new, ${t.updated} updated, ${t.unchanged} unchanged → ${report.archive}`);
  if (report.unlisted?.length) lines.push(unlistedNote(report.unlisted));
  return lines.join('\n') + '\n';
}

/** One line naming archived sites the config does not list (see RunReport.unlisted). */
export function unlistedNote(unlisted: UnlistedSite[]): string {
  const what = unlisted.map((u) => `${u.folder} (${u.articles})`).join(', ');
  return `note: not in the config, so kept but not in lists, README or website: ${what}`;
}

/** A progress bar on stderr when `enabled` (a terminal and no --no-progress); otherwise silent. */
export function createProgress(enabled: boolean): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: 'sites {bar} {value}/{total}  {last}', stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    onProgress: (e) => {
      if (e.type === 'start') bar.start(e.sites, 0, { last: '' });
      else bar.increment(1, { last: `${e.site.name}: ${e.report.status === 'failed' ? 'failed' : `${e.report.new} new`}` });
    },
    stop: () => bar.stop(),
  };
}

const LAST = path.join('.newsmirror', 'last-run.json');

/** Keep the last report beside the index so `publish` can summarise the run in its commit message. */
export async function saveLastReport(archive: string, report: RunReport): Promise<void> {
  await writeFileAtomic(path.join(archive, LAST), JSON.stringify(report, null, 2) + '\n');
}

export async function readLastReport(archive: string): Promise<RunReport | null> {
  try {
    return JSON.parse(await readFile(path.join(archive, LAST), 'utf8')) as RunReport;
  } catch {
    return null;
  }
}
