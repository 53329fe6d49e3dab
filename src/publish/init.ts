/** `newsmirror init`: a starter config and a scheduled GitHub Actions workflow, never overwriting by default. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../archive/index.js';
import { DEFAULT_SITES } from '../config/index.js';
import { defaultActionRef, PINNED_ACTIONS } from './actions.js';

export function starterConfig(): string {
  const sites = DEFAULT_SITES.map((s) =>
    [
      `  - name: ${s.name}`,
      `    abbr: ${s.abbr}`,
      `    feed: ${s.feed}`,
      s.fullText !== 'auto' ? `    fullText: ${s.fullText}` : `    # fullText: auto          # auto | always | never`,
      s.selector ? `    selector: "${s.selector}"` : null,
      `    # images: proxy           # proxy | local | none`,
    ]
      .filter((l) => l !== null)
      .join('\n'),
  );
  return `# newsmirror configuration. Every key but sites is optional; see the README for all of them.
archive: .                       # archive root: articles/, lists/, README.md, feeds/, site/
imageProxy: "https://images.weserv.nl?url={url}"   # or "none" to keep the original image URLs
# listSize: 300                  # entries per lists/<name>.md
# timezoneOffsetMinutes: 480     # list dates in GMT+8
# fullText: auto                 # default for every site: auto | always | never
# images: proxy                  # default for every site: proxy | local | none
# allowPrivateNetworks: false    # never true on a public mirror: links in feeds are untrusted
# fetch:
#   concurrency: 8
#   perHost: 2
#   timeoutSeconds: 30
#   retries: 2
# site:
#   dir: site
#   baseUrl: https://USER.github.io/REPO   # absolute links in the mirror's own feeds
#   pagesPerSite: 5000                     # article pages for each site's newest 5,000 (Pages: 1 GB per site)
#   sourceUrl: https://github.com/USER/REPO/blob/main/   # where older articles link (the Git host's rendering)
# publish:
#   remote: origin
#   branch: main
sites:
${sites.join('\n')}
`;
}

/** Trigger, overlap rule and permissions shared by both workflows. */
const SCHEDULE = `on:
  schedule:
    - cron: "17 * * * *"        # hourly, off the top of the hour when runners are busiest
  workflow_dispatch: {}
# One run at a time: a slow run is never overlapped by the next scheduled one.
concurrency:
  group: newsmirror
  cancel-in-progress: false
# The one permission a mirror needs: push the archive (main branch) and the website (site branch).
permissions:
  contents: write
jobs:`;

/**
 * The index (.newsmirror/) and the rendered website and feeds are caches, not records: the index is rebuilt
 * from the Markdown files whenever it is missing, and the website from the index. They live in the Actions
 * cache (a new key per run, restored from the newest), together, because the index remembers which pages it
 * rendered.
 */
function cacheStep(keyPrefix: string, indent: string): string {
  return [
    `- name: Restore the index and the rendered website`,
    `  uses: ${PINNED_ACTIONS.cache}`,
    `  with:`,
    `    path: |`,
    `      .newsmirror`,
    `      site`,
    `      feeds`,
    `    key: ${keyPrefix}\${{ github.run_id }}`,
    `    restore-keys: ${keyPrefix}`,
  ]
    .map((l) => indent + l)
    .join('\n');
}

function actionStep(action: string, args: string, indent: string, name: string): string {
  return [`- name: ${name}`, `  uses: ${action}`, `  with:`, `    args: ${args}`].map((l) => indent + l).join('\n');
}

export interface WorkflowOptions {
  /** newsmirror's action, OWNER/REPO@REF (default: this package's repository at its version tag). */
  action?: string;
}

export function workflow(opts: WorkflowOptions = {}): string {
  const action = opts.action ?? defaultActionRef();
  return `# Mirror the configured feeds every hour and push the archive (written by \`newsmirror init\`).
# Articles, lists and README are committed to the main branch; the website and the mirror's own feeds go to
# the site branch, one commit replaced each run, so they never pile up in the history readers clone.
name: newsmirror
${SCHEDULE}
  mirror:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: ${PINNED_ACTIONS.checkout}
${cacheStep('newsmirror-', '      ')}
${actionStep(action, 'run --publish --no-progress --fail-on all', '      ', 'Mirror and publish')}
`;
}

export function shardedWorkflow(shards = 4, opts: WorkflowOptions = {}): string {
  const action = opts.action ?? defaultActionRef();
  const list = Array.from({ length: shards }, (_, i) => i + 1).join(', ');
  return `# Sharded variant for hundreds of sites (see docs/DEPLOY.md): each shard fetches 1/${shards} of the sites and
# pushes its articles (rebasing on rejected pushes); the last job rebuilds lists, README, feeds and site.
name: newsmirror-sharded
${SCHEDULE}
  shard:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    strategy:
      fail-fast: false
      matrix:
        shard: [${list}]
    steps:
      - uses: ${PINNED_ACTIONS.checkout}
${cacheStep('newsmirror-shard\${{ matrix.shard }}-', '      ')}
${actionStep(action, `run --shard \${{ matrix.shard }}/${shards} --no-render --publish --no-progress --fail-on all`, '      ', 'Mirror this shard and publish')}
  render:
    needs: shard
    if: always()
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: ${PINNED_ACTIONS.checkout}
${cacheStep('newsmirror-render-', '      ')}
${actionStep(action, 'render', '      ', "Render lists, README, feeds and site from every shard's articles")}
${actionStep(action, 'publish', '      ', 'Publish')}
`;
}

/** Write newsmirror.yaml, the workflows and a .gitignore for the index into `dir`; existing files are kept unless `force`. */
export async function initMirror(dir: string, opts: { force?: boolean; action?: string } = {}): Promise<{ written: string[]; skipped: string[] }> {
  const wf = { action: opts.action ?? defaultActionRef() };
  const files: [string, string][] = [
    ['newsmirror.yaml', starterConfig()],
    ['.github/workflows/newsmirror.yml', workflow(wf)],
    ['.github/workflows/newsmirror-sharded.yml.example', shardedWorkflow(4, wf)],
    [
      '.gitignore',
      '# newsmirror: the index, the website and the feeds are rebuildable (kept in the Actions cache, published on the site branch)\n.newsmirror/\nsite/\nfeeds/\nnode_modules/\n',
    ],
  ];
  const written: string[] = [];
  const skipped: string[] = [];
  for (const [rel, text] of files) {
    const file = path.join(dir, rel);
    if (existsSync(file) && !opts.force) {
      skipped.push(file);
      continue;
    }
    await writeFileAtomic(file, text);
    written.push(file);
  }
  return { written, skipped };
}
