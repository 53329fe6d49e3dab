/**
 * The error taxonomy. Every expected failure is a NewsmirrorError with a stable code; the CLI maps codes to
 * report lines and exit codes in one place (cli/). Messages are one line and name the site, URL or file.
 */

export type ErrorCode =
  // fetch
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'http_429'
  | 'too_large'
  | 'too_many_redirects'
  | 'private_network'
  | 'bad_url'
  | 'bad_encoding'
  // parse
  | 'malformed_feed'
  // full text / images
  | 'extract_failed'
  | 'not_image'
  // config / usage
  | 'config'
  | 'usage'
  // archive
  | 'io'
  | 'locked'
  | 'corrupt_archive'
  // publish
  | 'git';

export class NewsmirrorError extends Error {
  readonly code: ErrorCode;
  /** HTTP status for http_status / http_429. */
  readonly status: number | null;

  constructor(code: ErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    // One line, always: a newline in a message would break the report and the logs.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NewsmirrorError';
    this.code = code;
    this.status = options?.status ?? null;
  }
}

/** True when `err` is a NewsmirrorError, optionally with one of the given codes. */
export function isNewsmirrorError(err: unknown, ...codes: ErrorCode[]): err is NewsmirrorError {
  return err instanceof NewsmirrorError && (codes.length === 0 || codes.includes(err.code));
}

/** The one-line message of any thrown value (never a stack trace). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.replace(/\s*[\r\n]+\s*/g, ' ');
  return String(err);
}
