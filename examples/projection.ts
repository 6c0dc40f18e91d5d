/**
 * A projection following the journal's feed: a read model (revenue per customer) built from the
 * events of every aggregate, in the order they were stored.
 *
 * `journal.subscribe(from, handler)` reads from an offset, then follows the feed live, never
 * skipping an event and awaiting the handler before the next batch. The projection saves its
 * position as a named checkpoint; stopped and started again, it resumes after the last event it
 * handled and catches up on what was written meanwhile.
 *
 * Here the read model lives in memory and the checkpoint in the journal. A read model in a
 * database must store its checkpoint in the same transaction as its rows (or drop duplicates by
 * persistence id and seq, with `DedupFilter` from `aloft/projections`): a crash between the two
 * would otherwise apply an event twice or lose it.
 *
 *   npm run example examples/projection.ts
 */
import { memoryJournal } from 'aloft/persistence';
import type { EventEnvelope, Subscription } from 'aloft/projections';

type OrderEvent =
  | { readonly _tag: 'OrderPlaced'; readonly customer: string; readonly total: number }
  | { readonly _tag: 'OrderCancelled'; readonly customer: string; readonly total: number };

const journal = await memoryJournal();
const CHECKPOINT = 'revenue-by-customer';

// The read model, and a way to wait until the projection has reached an offset.
const revenue = new Map<string, number>();
let reached = 0;
const waiters: { offset: number; resolve: () => void }[] = [];
const caughtUpTo = (offset: number) => new Promise<void>((resolve) => (reached >= offset ? resolve() : waiters.push({ offset, resolve })));

async function apply(batch: readonly EventEnvelope[]): Promise<void> {
  for (const { event, offset } of batch) {
    const e = event as unknown as OrderEvent;
    const sign = e._tag === 'OrderPlaced' ? 1 : -1;
    revenue.set(e.customer, (revenue.get(e.customer) ?? 0) + sign * e.total);
    reached = offset;
  }
  await journal.saveCheckpoint(CHECKPOINT, reached);
  console.log(`  projection: offsets ${batch[0]?.offset}..${reached} applied`);
  for (const w of waiters.filter((w) => w.offset <= reached)) w.resolve();
}

async function start(): Promise<Subscription> {
  const from = (await journal.loadCheckpoint(CHECKPOINT)) + 1;
  console.log(`projection starts at offset ${from}`);
  return journal.subscribe(from, apply);
}

const place = async (order: string, customer: string, total: number) =>
  (await journal.append(order, 0, [{ _tag: 'OrderPlaced', customer, total }])).lastOffset;
const cancel = async (order: string, customer: string, total: number) =>
  (await journal.append(order, 1, [{ _tag: 'OrderCancelled', customer, total }])).lastOffset;
const show = () => [...revenue].map(([c, r]) => `${c} ${r}`).join(', ');

// Two orders stored before the projection exists: it catches up on them first.
await place('order-1', 'ada', 30);
await place('order-2', 'grace', 45);
let projection = await start();
// Then it follows the feed live.
await place('order-3', 'ada', 12);
await caughtUpTo(await cancel('order-2', 'grace', 45));
console.log(`revenue: ${show()}`);

// Stopped: the writes go on without it.
await projection.close();
console.log(`projection stopped at offset ${reached}`);
await place('order-4', 'grace', 99);
const head = await place('order-5', 'linus', 7);

// Started again: it resumes after its checkpoint and catches up.
projection = await start();
await caughtUpTo(head);
console.log(`revenue: ${show()}`);

await projection.close();
await journal.close();
