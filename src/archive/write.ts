/** Atomic writes: an archive file is replaced whole or not at all, never truncated in place. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Suffix of in-flight temp files (`.<name>.<pid>-<random>.tmp`); `verify` reports leftovers, `--repair` removes them. */
export const TEMP_SUFFIX = '.tmp';

/** True for a temp file writeFileAtomic made (also the `.nmtmp` ones of earlier versions), never for a user's file. */
export function isTempFile(name: string): boolean {
  return /^\..+\.\d+-[0-9a-f]{8}\.(?:nm)?tmp$/.test(name);
}

/**
 * Write `data` to `file` atomically (temp file in the same folder, fsync, rename, fsync the folder).
 * Returns false, touching nothing, when the file already holds exactly these bytes.
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<boolean> {
  const [changed] = await writeFilesAtomic([{ file, data }]);
  return changed === true;
}

/** Write `bytes` to a fresh temp file beside `file` and fsync it; returns the temp file's path. */
async function writeTemp(file: string, bytes: Buffer): Promise<string> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (err) {
    // A full disk or an I/O error: leave no temp file behind, and the target as it was.
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  return tmp;
}

/**
 * Write many files atomically, as writeFileAtomic does one: each lands whole or not at all. The fsyncs run
 * side by side (the file system commits them together) and each folder is synced once after the renames,
 * which is what makes a run's cost per article small. Returns, per file, whether it changed.
 */
export async function writeFilesAtomic(entries: { file: string; data: string | Buffer }[]): Promise<boolean[]> {
  const changed: boolean[] = new Array(entries.length).fill(false);
  const pending: { i: number; file: string; tmp: string }[] = [];
  const CONCURRENCY = 16;
  try {
    // Each folder is made once, not once per file (a batch is mostly one site's folder).
    for (const dir of new Set(entries.map((e) => path.dirname(e.file)))) await mkdir(dir, { recursive: true });
    for (let start = 0; start < entries.length; start += CONCURRENCY) {
      // allSettled, not all: every temp file of a failed chunk is known before cleaning up.
      const results = await Promise.allSettled(
        entries.slice(start, start + CONCURRENCY).map(async ({ file, data }, k) => {
          const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
          try {
            if ((await readFile(file)).equals(bytes)) return;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
          pending.push({ i: start + k, file, tmp: await writeTemp(file, bytes) });
        }),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    // Renames only after every byte is on disk: a crash leaves whole old files or whole new ones.
    for (let start = 0; start < pending.length; start += CONCURRENCY) {
      await Promise.all(
        pending.slice(start, start + CONCURRENCY).map(async (p) => {
          await rename(p.tmp, p.file);
          changed[p.i] = true;
        }),
      );
    }
  } catch (err) {
    // A failed batch leaves no temp files of its own behind; targets are whole old or whole new files.
    await Promise.all(pending.filter((p) => !changed[p.i]).map((p) => unlink(p.tmp).catch(() => {})));
    throw err;
  }
  for (const dir of new Set(pending.map((p) => path.dirname(p.file)))) {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } catch {
      // Some file systems refuse fsync on a directory (EINVAL); the rename is then as durable as they allow.
    } finally {
      await dh.close();
    }
  }
  return changed;
}
