/**
 * The live tail of the global feed, written once for every backend.
 *
 * The loop reads pages from its position until a read comes back empty, then waits until the
 * store's durable head passes its position, and reads again. The head is kept as a number that
 * the store's `onDurable` listener raises synchronously, and the wait checks that number before
 * sleeping; so an append that commits between "the read came back empty" and "start waiting" is
 * still seen: there is no window in which a notification can be lost, and since every delivery
 * comes from `read(position)` the handler sees offsets strictly in order and never a gap.
 */
import { JournalUnavailable } from './errors.ts';
import type { EventEnvelope, FeedHandler, Subscription } from './journal.ts';

export interface FeedSource {
  read(fromOffset: number, limit: number): Promise<EventEnvelope[]>;
  /** The highest durable offset known right now (synchronous, kept by a listener). */
  knownHead(): number;
  /** Resolves when knownHead() >= offset, or when `abort` fires. */
  waitFor(offset: number, abort: AbortSignal): Promise<void>;
}

/** Longest run of feed reading and handling before the loop lets the event loop turn. */
const YIELD_MS = 10;

export function subscribeFeed(source: FeedSource, fromOffset: number, handler: FeedHandler, batchSize: number): Subscription {
  if (!Number.isInteger(fromOffset) || fromOffset < 1) throw new RangeError(`fromOffset must be an integer >= 1, got ${fromOffset}`);
  const abort = new AbortController();
  let position = fromOffset;
  const loop = async (): Promise<void> => {
    let ranSince = performance.now();
    while (!abort.signal.aborted) {
      // A store whose reads complete synchronously (LMDB) resolves every await here at once: a
      // catch-up over a long journal would then never let timers or I/O run. Yield a turn of the
      // event loop after every YIELD_MS of work.
      if (performance.now() - ranSince > YIELD_MS) {
        await new Promise<void>((r) => setImmediate(r));
        ranSince = performance.now();
      }
      const headBefore = source.knownHead();
      const batch = await source.read(position, batchSize);
      if (abort.signal.aborted) return;
      if (batch.length === 0) {
        // The head passed this position before the read began, so the read owed us an event:
        // fail loudly instead of spinning on an inconsistent store.
        if (headBefore >= position)
          throw new JournalUnavailable(`feed gap: head is at ${headBefore} but offset ${position} cannot be read`);
        await source.waitFor(position, abort.signal);
        continue;
      }
      const first = batch[0];
      if (first && first.offset !== position) {
        // A backend bug, not a condition to paper over: the feed promised no gaps.
        throw new JournalUnavailable(`feed gap: expected offset ${position}, store returned ${first.offset}`);
      }
      await handler(batch);
      position = (batch[batch.length - 1]?.offset ?? position - 1) + 1;
    }
  };
  const done = loop();
  // A rejected `done` nobody awaits should not crash the process; callers observe it via `done`.
  done.catch(() => undefined);
  return {
    position: () => position,
    done,
    async close() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

/** The head-tracking half of FeedSource: the number and its waiters. */
export class HeadTracker {
  private head = 0;
  private waiters: { offset: number; resolve: () => void }[] = [];

  current(): number {
    return this.head;
  }

  raise(head: number): void {
    if (head <= this.head) return;
    this.head = head;
    const ready = this.waiters.filter((w) => w.offset <= head);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.offset > head);
    for (const w of ready) w.resolve();
  }

  waitFor(offset: number, abort: AbortSignal): Promise<void> {
    if (this.head >= offset || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        offset,
        resolve: () => {
          abort.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      abort.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Wakes every waiter (used on close so loops can observe their abort). */
  releaseAll(): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w.resolve();
  }
}
