/** `newsmirror init`: a starter config and a scheduled GitHub Actions workflow, never overwriting by default. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../archive/index.js';
import { DEFAULT_SITES } from '../config/index.js';

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
permissions:
  contents: write
jobs:`;

export function workflow(): string {
  return `# Mirror the configured feeds every hour and push the archive (written by \`newsmirror init\`).
name: newsmirror
${SCHEDULE}
  mirror:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Cache npm downloads
        uses: actions/cache@v4
        with:
          path: ~/.npm
          key: npm-newsmirror-\${{ runner.os }}-v1
      # The index (.newsmirror/) is a cache, not a record: it is rebuilt from the Markdown files whenever it is
      # missing, so it lives in the Actions cache instead of adding binary churn to every commit.
      - name: Restore the index
        uses: actions/cache@v4
        with:
          path: .newsmirror
          key: newsmirror-index-\${{ github.run_id }}
          restore-keys: newsmirror-index-
      - name: Install newsmirror
        run: npm install --no-save --no-package-lock newsmirror
      - name: Mirror and publish
        run: npx newsmirror run --publish --no-progress --fail-on all
`;
}

export function shardedWorkflow(shards = 4): string {
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
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - uses: actions/cache@v4
        with:
          path: .newsmirror
          key: newsmirror-index-shard\${{ matrix.shard }}-\${{ github.run_id }}
          restore-keys: newsmirror-index-shard\${{ matrix.shard }}-
      - run: npm install --no-save --no-package-lock newsmirror
      - run: npx newsmirror run --shard \${{ matrix.shard }}/${shards} --no-render --publish --no-progress --fail-on all
  render:
    needs: shard
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.ref }}
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: git pull --ff-only
      - run: npm install --no-save --no-package-lock newsmirror
      - name: Render lists, README, feeds and site from every shard's articles
        run: |
          npx newsmirror render
          npx newsmirror publish -m "newsmirror: render lists, feeds and site"
`;
}

/** Write newsmirror.yaml, the workflows and a .gitignore for the index into `dir`; existing files are kept unless `force`. */
export async function initMirror(dir: string, opts: { force?: boolean } = {}): Promise<{ written: string[]; skipped: string[] }> {
  const files: [string, string][] = [
    ['newsmirror.yaml', starterConfig()],
    ['.github/workflows/newsmirror.yml', workflow()],
    ['.github/workflows/newsmirror-sharded.yml.example', shardedWorkflow()],
    ['.gitignore', '# newsmirror: the index is a rebuildable cache (kept in the Actions cache)\n.newsmirror/\nnode_modules/\n'],
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
