/**
 * The run lock: one run per archive at a time. A second run waits briefly, then exits with a clear message;
 * a lock left by a killed process (dead pid on this host, or older than MAX_AGE_MS) is taken over.
 */
import { hostname } from 'node:os';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { NewsmirrorError } from '../errors.js';

const MAX_AGE_MS = 2 * 3600 * 1000;

export interface RunLock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  hostname: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

function stale(h: Holder | null): boolean {
  // An unreadable lock is one whose writer died between create and write: stale.
  if (!h || typeof h.pid !== 'number') return true;
  if (Date.now() - Date.parse(h.startedAt) > MAX_AGE_MS) return true;
  return h.hostname === hostname() && !alive(h.pid);
}

/** Take `<root>/.newsmirror/run.lock`, waiting up to `waitMs`; throws NewsmirrorError('locked'). */
export async function acquireRunLock(root: string, opts: { waitMs?: number; pollMs?: number } = {}): Promise<RunLock> {
  const file = path.join(root, '.newsmirror', 'run.lock');
  const waitMs = opts.waitMs ?? 10_000;
  const pollMs = opts.pollMs ?? 200;
  const deadline = Date.now() + waitMs;
  const me: Holder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.sync();
      await fh.close();
      return makeLock(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    if (stale(holder)) {
      // Move the stale lock aside under a unique name: of two processes taking it over, one rename wins.
      const aside = `${file}.stale-${process.pid}-${Date.now()}`;
      try {
        await rename(file, aside);
        const moved = await readHolder(aside);
        // Someone replaced it with a live lock between our read and our rename: put it back (if the slot
        // is still free) and wait like everyone else.
        if (moved && !stale(moved)) await rename(aside, file).catch(() => unlink(aside).catch(() => {}));
        else await unlink(aside).catch(() => {});
      } catch {
        /* another process moved it first */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.hostname}, started ${holder.startedAt}` : 'unknown holder';
      throw new NewsmirrorError('locked', `${root}: another newsmirror run (${who}) holds .newsmirror/run.lock; try again when it has finished`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function makeLock(file: string): RunLock {
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await unlink(file).catch(() => {});
    },
  };
}
