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
 *
 * The young generation is kept at its initial size (1 MB semi-spaces, a new space of 2 MB) instead of growing
 * to 16 MB semi-spaces (a new space of 32 MB, and the pages V8 keeps after scavenges). A batch job's short-lived
 * text dies young either way; a big new space buys fewer scavenges. Measured on the bench archives: a whole
 * search-index build of 100k articles peaked at 238–249 MB RSS and 187 MB with this; of 10k, 140 → 121 MB, for
 * ~2.5 s more of scavenges in a 13–17 s build (2,550 scavenges instead of 144); a cold run of 9 sites × 300 items
 * with its website, 220–254 → 216–220 MB, 31–32 s either way. `--max-semi-space-size` would cap the new space
 * but V8 reads it only when the heap is made (node's command line: a launcher would have to start a second
 * process); the growth factor is read at each scavenge, so it can be set here.
 */
import v8 from 'node:v8';

/** Percent by which V8's old generation may grow before the next full collection (V8's default: up to 300). */
export const HEAP_GROWING_PERCENT = 30;

/** Factor by which V8 grows its semi-spaces when scavenges keep much alive (V8's default: 2); 1 never grows them. */
export const SEMI_SPACE_GROWTH_FACTOR = 1;

export function configureProcess(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  v8.setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
}
