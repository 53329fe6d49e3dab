/** The XSS corpus of test/fixtures/xss/vectors.txt: one vector per line, with newlines, NULs and backslashes escaped. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function loadVectors(): string[] {
  return readFileSync(fileURLToPath(new URL('../fixtures/xss/vectors.txt', import.meta.url)), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/\\(\\|n|0)/g, (_m, c: string) => (c === 'n' ? '\n' : c === '0' ? '\u0000' : '\\')));
}
