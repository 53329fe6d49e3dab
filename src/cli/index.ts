/**
 * The command line: turns argv into calls of the stages and prints reports. The one place where error codes
 * become exit codes (0 every site ok, 1 some failed, 2 usage or config) and report lines.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { flattenBody, importArchive, README_BLOCK_NOTE, verifyArchive } from '../archive/index.js';
import { cleanHtml } from '../clean/index.js';
import { loadConfig, DEFAULT_FETCH, DEFAULT_IMAGE_PROXY } from '../config/index.js';
import { parseShard, selectShard } from '../config/shard.js';
import { errorMessage, isNewsmirrorError, NewsmirrorError } from '../errors.js';
import { createFetcher } from '../fetch/index.js';
import { ArchiveIndex } from '../identity/index.js';
import { parseFeed } from '../parse/index.js';
import { renderArchive, runMirror } from '../pipeline/index.js';
import { commitMessage, DERIVED_PATHS, initMirror, parseActionRef, publish, publishDerived, RECORD_PATHS, untrackDerived } from '../publish/index.js';
import { serveSite } from '../render/index.js';
import type { Config, RunReport } from '../types.js';
import { runDemo } from './demo.js';
import { redactCommand, type RedactOptions } from './redact.js';
import { clockFrom, formatRecheck, recheckCommand } from './recheck.js';
import { importRevisions, verifyRevisions } from '../revisions/index.js';
import { digestCommand } from './digest.js';
import { createProgress, formatReport, readLastReport, saveLastReport, unlistedNote } from './report.js';

type FailOn = 'any' | 'all' | 'never';

/** Exit code of a run report under the --fail-on policy. */
export function exitCodeFor(report: RunReport, failOn: FailOn): number {
  const failed = report.totals.failed;
  if (failOn === 'never' || failed === 0) return 0;
  if (failOn === 'all') return failed === report.totals.sites ? 1 : 0;
  return 1;
}

/** Paths a publish commits to the archive branch: the record only (derived outputs go to the site branch). */
export const ARCHIVE_PATHS = RECORD_PATHS;

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: { cwd?: string } = {}): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  let exitCode = 0;
  const program = new Command()
    .name('newsmirror')
    .description('Mirror news feeds into a Git repository of Markdown files and a static website.')
    .version('0.1.0')
    .option('-c, --config <file>', 'config file (default: ./newsmirror.yaml, else the built-in site list)')
    .option('-a, --archive <dir>', 'archive root (overrides the config)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const config = (): Config => {
    const g = program.opts<{ config?: string; archive?: string }>();
    return loadConfig({ configPath: g.config ?? null, cwd, archive: g.archive ?? null });
  };

  program
    .command('run')
    .description('fetch every site, archive what is new, refresh lists, README, feeds and website')
    .option('--json', 'print the run report as JSON')
    .option('--no-progress', 'no progress display')
    .addOption(new Option('--fail-on <policy>', 'exit 1 when any / all sites fail, or never').choices(['any', 'all', 'never']).default('any'))
    .option('--shard <i/n>', 'process only shard i of n of the sites (deterministic by abbr)')
    .option('--no-render', 'skip the feeds and website (lists and README are always refreshed)')
    .option('--publish', 'commit and push the archive after the run')
    .option('--now <iso>', 'the clock of this run (tests, backfills)')
    .option('--no-recheck', 'skip the re-checks of stored articles')
    .action(async (o: { json?: boolean; progress: boolean; failOn: FailOn; shard?: string; render: boolean; publish?: boolean; now?: string; recheck: boolean }) => {
      const cfg = config();
      let sites = cfg.sites;
      if (o.shard) {
        const { index, count } = parseShard(o.shard);
        sites = selectShard(cfg.sites, index, count);
      }
      const progress = createProgress(o.progress && !o.json && process.stderr.isTTY === true);
      const report = await runMirror(cfg, { sites, render: o.render, onProgress: progress.onProgress, now: clockFrom(o.now), recheck: o.recheck });
      progress.stop();
      await saveLastReport(cfg.archive, report);
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(formatReport(report) + (report.recheck && report.recheck.checked > 0 ? formatRecheck(report.recheck) : ''));
      if (o.publish) await doPublish(cfg, report, !o.json);
      exitCode = exitCodeFor(report, o.failOn);
    });

  program
    .command('recheck')
    .description('re-fetch the source pages of stored articles that are due, recording edits, deletions and returns')
    .option('--json', 'print the recheck report as JSON (counts per outcome)')
    .option('--now <iso>', 'the clock of this pass (tests, backfills)')
    .option('--limit <n>', 'check at most n articles (default: every one that is due)')
    .option('--no-render', 'skip the feeds and website (lists and README are always refreshed)')
    .action(async (o: { json?: boolean; now?: string; limit?: string; render: boolean }) => {
      exitCode = await recheckCommand(config(), o);
    });

  program
    .command('import [dir]')
    .description('index an existing archive (original layout accepted) so runs continue its ids without duplicates')
    .option('--json', 'print the import report as JSON')
    .action(async (dir: string | undefined, o: { json?: boolean }) => {
      const cfg = config();
      const root = dir ? path.resolve(cwd, dir) : cfg.archive;
      const index = ArchiveIndex.open(root);
      try {
        const rep = { ...(await importArchive(root, index, cfg.sites)), revisions: importRevisions(root, index) };
        if (o.json) process.stdout.write(JSON.stringify(rep, null, 2) + '\n');
        else process.stdout.write(`imported ${root}: ${JSON.stringify(rep)}\n`);
      } finally {
        index.close();
      }
    });

  program
    .command('inspect <source>')
    .description('show what newsmirror makes of one feed (file or URL)')
    .option('--json', 'print JSON: {feed:{title,link,format}, items:[…]}')
    .action(async (source: string, o: { json?: boolean }) => {
      const result = await inspect(source, cwd, program.opts<{ config?: string }>().config ?? null);
      if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        process.stdout.write(`${result.feed.format}: ${result.feed.title ?? '(untitled)'} ${result.feed.link ?? ''}\n`);
        for (const it of result.items) process.stdout.write(`- ${it.published ?? '(no date)'}  ${it.title ?? '(untitled)'}  ${it.link ?? ''}\n`);
        process.stdout.write(`${result.items.length} items\n`);
      }
    });

  program
    .command('demo')
    .description('offline demo: serve feeds of real articles (bundled) on 127.0.0.1 and mirror them')
    .option('--out <dir>', 'where to write the demo archive', 'demo-archive')
    .option('--json', 'print the run report as JSON')
    .option('--no-progress', 'no progress display')
    .action(async (o: { out: string; json?: boolean; progress: boolean }) => {
      const report = await runDemo(path.resolve(cwd, o.out), { json: o.json === true, progress: o.progress && process.stderr.isTTY === true });
      exitCode = exitCodeFor(report, 'any');
    });

  program
    .command('render')
    .description('rebuild lists, README, feeds and website from the archive, without fetching')
    .option('--no-site', 'lists and README only')
    .option('--all', 'render every website page, not only those whose articles changed (restores pages deleted or edited by hand)')
    .action(async (o: { site: boolean; all?: boolean }) => {
      const cfg = config();
      const r = await renderArchive(cfg, { feedsAndSite: o.site, all: o.all === true });
      process.stdout.write(`rendered ${cfg.archive}: ${r.written} files changed\n`);
      if (r.unlisted.length > 0) process.stderr.write(`${unlistedNote(r.unlisted)}\n`);
      if (r.readmeWithoutBlock) process.stderr.write(`${README_BLOCK_NOTE}\n`);
    });

  program
    .command('digest')
    .description("write daily digests (EPUB and one self-contained HTML file per day); default yesterday's and today's")
    .option('--date <YYYY-MM-DD>', 'the day (readers\' time zone); repeat for several', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all', 'every day of the archive')
    .option('--out <dir>', 'output folder (default: the config\'s digests.dir, site/digests)')
    .option('--json', 'print what was written as JSON')
    .action(async (o: { date?: string[]; all?: boolean; out?: string; json?: boolean }) => {
      await digestCommand(config(), o, cwd, (s) => process.stdout.write(s));
    });

  program
    .command('publish')
    .description('commit the archive paths and push (rebasing on a rejected push)')
    .option('-m, --message <text>', 'commit message (default: a summary of the last run)')
    .action(async (o: { message?: string }) => {
      const cfg = config();
      const last = await readLastReport(cfg.archive);
      await doPublish(cfg, last, true, o.message);
    });

  program
    .command('init [dir]')
    .description('write a starter newsmirror.yaml and a GitHub Actions workflow')
    .option('--force', 'overwrite existing files')
    .option('--action <owner/repo@ref>', "newsmirror's GitHub Action the workflows use (default: this version's release tag)")
    .action(async (dir: string | undefined, o: { force?: boolean; action?: string }) => {
      const action = o.action === undefined ? undefined : parseActionRef(o.action);
      const r = await initMirror(path.resolve(cwd, dir ?? '.'), { force: o.force === true, action });
      for (const f of r.written) process.stdout.write(`wrote ${f}\n`);
      for (const f of r.skipped) process.stdout.write(`kept ${f} (exists; --force to overwrite)\n`);
    });

  program
    .command('serve')
    .description('preview the website on 127.0.0.1')
    .option('-p, --port <n>', 'port', '8080')
    .action(async (o: { port: string }) => {
      const cfg = config();
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new NewsmirrorError('usage', `--port: "${o.port}" is not a port number`);
      const server = await serveSite(cfg.siteDir, { port, host: '127.0.0.1' });
      process.stdout.write(`serving ${cfg.siteDir} at ${server.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('redact <article>')
    .description('honour a takedown: redact a text everywhere (or remove an article), record the rule, render again')
    .option('--text <text>', 'the text to take out (a name): everywhere in the archive, now and in every later run')
    .option('--replace <text>', 'what stands in its place (default [已隐去])')
    .option('--remove', 'remove the article and its revisions; later runs do not store the story again')
    .option('--reason <why>', 'why (recorded in redactions.yaml)')
    .option('--now <iso>', 'the date recorded for the rule (default now)')
    .option('--json', 'print the redact report as JSON')
    .action(async (target: string, o: RedactOptions) => {
      exitCode = await redactCommand(config(), target, o, cwd);
    });

  program
    .command('verify')
    .description('check that every file parses, index and files agree, ids are unique, no temp files are left')
    .option('--repair', 'remove temp files and rebuild the index from the files')
    .option('--json', 'print the verify report as JSON')
    .action(async (o: { repair?: boolean; json?: boolean }) => {
      const cfg = config();
      const index = ArchiveIndex.open(cfg.archive);
      try {
        const rep = await verifyArchive(cfg.archive, index, { repair: o.repair === true, sites: cfg.sites });
        // revisions/ is checked against the articles; a repair rebuilds the index's copy from the status files.
        if (o.repair) importRevisions(cfg.archive, index);
        const revs = verifyRevisions(cfg.archive, index);
        rep.problems.push(...revs.problems);
        rep.files += revs.files;
        if (o.json) process.stdout.write(JSON.stringify(rep, null, 2) + '\n');
        else {
          for (const p of rep.problems) process.stdout.write(`problem: ${p}\n`);
          for (const w of rep.warnings) process.stdout.write(`warning: ${w}\n`);
          process.stdout.write(rep.problems.length === 0 ? `${cfg.archive}: consistent (${rep.files} files)\n` : `${rep.problems.length} problems${o.repair ? ' (repaired)' : ' (run verify --repair)'}\n`);
        }
        exitCode = rep.problems.length > 0 && !o.repair ? 1 : 0;
      } finally {
        index.close();
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything commander rejects is a usage error (exit 2).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    process.stderr.write(`newsmirror: ${errorMessage(err)}\n`);
    if (isNewsmirrorError(err, 'config', 'usage')) return 2;
    return 1;
  }
}

async function doPublish(cfg: Config, report: RunReport | null, print: boolean, message?: string): Promise<void> {
  const msg =
    message ??
    (report
      ? commitMessage({
          sites: report.totals.sites,
          new: report.totals.new,
          updated: report.totals.updated,
          failed: report.totals.failed,
          names: report.sites.filter((s) => s.new + s.updated > 0).map((s) => s.name),
        })
      : 'newsmirror: update archive');
  const siteRel = path.relative(cfg.archive, cfg.siteDir);
  const derived = [...(siteRel && !siteRel.startsWith('..') ? [siteRel] : []), ...DERIVED_PATHS];
  // An archive published by an older newsmirror has its website and feeds on the archive branch: stop that.
  const untracked = await untrackDerived(cfg.archive, derived);
  const r = await publish({ repo: cfg.archive, paths: ARCHIVE_PATHS, message: msg, remote: cfg.publish.remote, branch: cfg.publish.branch });
  if (print) process.stdout.write(r.committed ? `published: ${msg.split('\n')[0]}\n` : 'published: nothing to commit\n');
  if (print && untracked.length > 0) process.stdout.write(`published: ${untracked.join(', ')} moved off ${cfg.publish.branch} (now on ${cfg.publish.siteBranch})\n`);
  const d = await publishDerived({ repo: cfg.archive, paths: derived, message: msg, remote: cfg.publish.remote, branch: cfg.publish.siteBranch });
  if (print) process.stdout.write(d.committed ? `published: website and feeds to ${cfg.publish.siteBranch}\n` : `published: website and feeds unchanged\n`);
}

/** The `inspect` shape: exactly these keys, strings or null, dates ISO 8601 UTC. */
export interface InspectResult {
  feed: { title: string | null; link: string | null; format: 'rss' | 'atom' | 'rdf' | 'json' };
  items: {
    guid: string | null;
    title: string | null;
    link: string | null;
    published: string | null;
    updated: string | null;
    author: string | null;
    contentHtml: string | null;
    summary: string | null;
  }[];
}

async function inspect(source: string, cwd: string, configPath: string | null): Promise<InspectResult> {
  let imageProxy: string | null = DEFAULT_IMAGE_PROXY;
  try {
    imageProxy = loadConfig({ configPath, cwd }).imageProxy;
  } catch (err) {
    // A config given explicitly must be valid; an absent one just means the defaults.
    if (configPath) throw err;
  }
  let bytes: Buffer;
  let url: string;
  let contentType: string | null = null;
  if (/^https?:\/\//i.test(source)) {
    const fetcher = createFetcher({ ...DEFAULT_FETCH, allowPrivateNetworks: true });
    try {
      const out = await fetcher.fetch({ url: source });
      if (out.kind !== 'fetched') throw new NewsmirrorError('network', `${source}: unexpected 304`);
      bytes = out.body;
      url = out.url;
      contentType = out.contentType;
    } finally {
      await fetcher.close();
    }
  } else {
    const file = path.resolve(cwd, source);
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new NewsmirrorError('io', `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
    }
    url = pathToFileURL(file).href;
  }
  const feed = parseFeed(bytes, { url, contentType, name: /^https?:\/\//i.test(source) ? url : source });
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const clean = (html: string | null, base: string | null) =>
    html === null ? null : flattenBody(cleanHtml(html, { baseUrl: base, imageProxy }));
  return {
    feed: { title: feed.title, link: feed.link, format: feed.format },
    items: feed.items.map((it) => {
      const base = it.baseUrl ?? it.link ?? feed.link ?? url;
      return {
        guid: it.guid,
        title: it.title,
        link: it.link,
        published: iso(it.published),
        updated: iso(it.updated),
        author: it.author,
        contentHtml: clean(it.contentHtml, base),
        summary: clean(it.summary, base),
      };
    }),
  };
}
