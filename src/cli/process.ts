/**
 * How the `newsmirror` process is set up before it runs a command (the launcher in bin/ calls this; the
 * bench's workers too, so that they measure what users run).
 *
 * V8 lets its heap grow to four times what survived the last full collection before it collects again: right
 * for a long-lived server, wasteful for a batch job on a small CI runner. A run's live set is small (the index
 * is SQLite, one site's items are in memory at a time) but it turns over a lot of short-lived text: parsed
 * feeds, cleaned bodies, rendered pages. With the default, a cold run of 9 sites × 300 items peaked at
 * 210–250 MB RSS with under 30 MB live; growing by 30% at a time it peaks at 165–190 MB, with no measurable
 * change in a run's time (each full collection of a small live set takes a few milliseconds). The price is
 * paid where the live set is large: checking every page of a 100k-article website (the first render,
 * `render --all`) took 73 s and 164 MB instead of 47 s and 215 MB, more full collections of a bigger heap.
 * This is a growth rate, not a limit: work that needs more memory still gets it.
 */
import v8 from 'node:v8';

/** Percent by which V8's old generation may grow before the next full collection (V8's default: up to 300). */
export const HEAP_GROWING_PERCENT = 30;

export function configureProcess(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
