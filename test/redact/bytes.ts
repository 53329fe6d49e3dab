/** The byte search of the redaction tests: every form a text can take in a file, looked for in every file and file name. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Needle {
  label: string;
  bytes: Buffer;
}

/** Each text as UTF-8, percent-encoded (both cases), as decimal and hex character references and as JSON escapes. */
export function byteForms(texts: string[]): Needle[] {
  return texts.flatMap((n) => [
    { label: `utf8 ${n}`, bytes: Buffer.from(n, 'utf8') },
    { label: `percent ${n}`, bytes: Buffer.from(encodeURIComponent(n), 'utf8') },
    { label: `percent-lower ${n}`, bytes: Buffer.from(encodeURIComponent(n).toLowerCase(), 'utf8') },
    { label: `dec ${n}`, bytes: Buffer.from([...n].map((c) => `&#${c.codePointAt(0)};`).join(''), 'utf8') },
    { label: `hex ${n}`, bytes: Buffer.from([...n].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join(''), 'utf8') },
    { label: `json-escape ${n}`, bytes: Buffer.from([...n].map((c) => `\\u${c.codePointAt(0)!.toString(16)}`).join(''), 'utf8') },
  ]);
}

/** Files and file names anywhere under `root` (.git aside: the working tree) holding any needle's bytes, in any case. */
export function byteSearch(root: string, needles: Needle[]): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === '.git') continue;
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      for (const n of needles) if (Buffer.from(name, 'utf8').includes(n.bytes)) hits.push(`${rel} (name: ${n.label})`);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const b = readFileSync(full);
        const lower = b.toString('latin1').toLowerCase();
        for (const n of needles) if (b.includes(n.bytes) || lower.includes(n.bytes.toString('latin1').toLowerCase())) hits.push(`${rel} (${n.label})`);
      }
    }
  };
  walk(root);
  return hits;
}
