/** `newsmirror redact`: the command's options checked, the redact stage run with a whole render after it, the report printed. */
import { NewsmirrorError } from '../errors.js';
import { renderArchive } from '../pipeline/index.js';
import { redactArchive, RULES_FILE } from '../redact/index.js';
import type { Config } from '../types.js';

export interface RedactOptions {
  text?: string;
  replace?: string;
  remove?: boolean;
  reason?: string;
  now?: string;
  json?: boolean;
}

/** Run `redact <target>`; resolves to the exit code (1 when a file still holds the text). */
export async function redactCommand(cfg: Config, target: string, o: RedactOptions, cwd: string): Promise<number> {
  if ((o.text === undefined) === (o.remove !== true)) throw new NewsmirrorError('usage', 'redact: give either --text "<text>" or --remove');
  if (o.reason === undefined) throw new NewsmirrorError('usage', 'redact: --reason "<why>" is required (it is recorded in redactions.yaml)');
  const now = o.now === undefined ? new Date() : new Date(o.now);
  if (Number.isNaN(now.getTime())) throw new NewsmirrorError('usage', `redact: --now "${o.now}" is not an ISO time`);
  const report = await redactArchive(
    cfg,
    { target, cwd, text: o.text ?? null, replace: o.replace ?? null, remove: o.remove === true, reason: o.reason, now },
    // Every output again, from the redacted archive: lists, README, feeds, every website page and the search index.
    { render: () => renderArchive(cfg, { all: true }) },
  );
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    const what = report.rule.action === 'remove' ? 'removed' : 'redacted text in';
    process.stdout.write(`${what} ${report.target} (${report.path})${report.already ? ' — rule already recorded, applied again' : ` — rule recorded in ${RULES_FILE}`}\n`);
    const renamed = Object.keys(report.renamed).length;
    process.stdout.write(`${report.rewritten.length} files rewritten, ${renamed} renamed, ${report.removed.length} removed, index rows changed: ${JSON.stringify(report.rows)}\n`);
    for (const f of report.remaining) process.stderr.write(`still holds the text (cannot rewrite, remove it by hand): ${f}\n`);
    process.stdout.write('the text is still in git history and in every copy made before: see docs/REDACTION.md\n');
  }
  return report.remaining.length > 0 ? 1 : 0;
}
