/** Atomic writes: an archive file is replaced whole or not at all, never truncated in place. */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Suffix of in-flight temp files; `verify` reports leftovers and `verify --repair` removes them. */
export const TEMP_SUFFIX = '.nmtmp';

/**
 * Write `data` to `file` atomically (temp file in the same folder, fsync, rename, fsync the folder).
 * Returns false, touching nothing, when the file already holds exactly these bytes.
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<boolean> {
  const [changed] = await writeFilesAtomic([{ file, data }]);
  return changed === true;
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
  for (let start = 0; start < entries.length; start += CONCURRENCY) {
    await Promise.all(
      entries.slice(start, start + CONCURRENCY).map(async ({ file, data }, k) => {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        try {
          if ((await readFile(file)).equals(bytes)) return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        const dir = path.dirname(file);
        await mkdir(dir, { recursive: true });
        const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(bytes);
          await fh.sync();
        } catch (err) {
          // A full disk or an I/O error: leave no temp file behind, and the target as it was.
          await fh.close();
          await unlink(tmp).catch(() => {});
          throw err;
        }
        await fh.close();
        pending.push({ i: start + k, file, tmp });
      }),
    );
  }
  // Renames only after every byte is on disk: a crash leaves whole old files or whole new ones.
  for (const p of pending) {
    await rename(p.tmp, p.file);
    changed[p.i] = true;
  }
  for (const dir of new Set(pending.map((p) => path.dirname(p.file)))) {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } catch {
      /* see writeFileAtomic */
    } finally {
      await dh.close();
    }
  }
  return changed;
}
