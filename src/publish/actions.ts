/**
 * The GitHub Actions that shipped and generated workflows use: third-party actions pinned by full commit SHA
 * (the version in a comment, as Dependabot writes it), and newsmirror's own action at a pinned ref.
 */
import { readFileSync } from 'node:fs';
import { NewsmirrorError } from '../errors.js';

/** `uses:` values, each a full 40-hex commit with its release tag in a comment. */
export const PINNED_ACTIONS = {
  checkout: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
  setupNode: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0',
  cache: 'actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3',
} as const;

interface PackageJson {
  version?: string;
  repository?: string | { url?: string };
}

/** OWNER/REPO of a package.json `repository` (the GitHub shorthand, or a github.com URL). */
export function githubRepoOf(repository: PackageJson['repository']): string | null {
  const url = typeof repository === 'string' ? repository : repository?.url;
  if (!url) return null;
  const m = /^(?:github:)?([\w.-]+)\/([\w.-]+?)$/.exec(url) ?? /github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** newsmirror's own action at this version's tag: `OWNER/REPO@vX.Y.Z` from package.json. */
export function defaultActionRef(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;
  const repo = githubRepoOf(pkg.repository);
  if (!repo || !pkg.version) throw new NewsmirrorError('config', 'package.json: repository and version are needed for the default action ref');
  return `${repo}@v${pkg.version}`;
}

const ACTION_REF = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?@[A-Za-z0-9][A-Za-z0-9_./-]*$/;

/** Check an `--action OWNER/REPO[/PATH]@REF` value; a usage error names what is wrong. */
export function parseActionRef(value: string): string {
  const v = value.trim();
  if (!ACTION_REF.test(v) || v.includes('..')) {
    throw new NewsmirrorError('usage', `--action: "${value}" is not OWNER/REPO@REF (for example newsmirror/newsmirror@v0.1.0, or @ a 40-hex commit)`);
  }
  return v;
}
