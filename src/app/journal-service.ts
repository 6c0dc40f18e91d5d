/**
 * The journal as an actor. One thread of a node owns the LMDB environment (its group commit and
 * its head offset live in that process's memory), so entities in worker threads reach it with
 * messages. The service never awaits one append before taking the next message: concurrent
 * appends from many entities land in the same group commit.
 *
 * `remoteEventStore(ref)` is the EventStore an event-sourced entity uses on any thread.
 */
import { stateless, type ActorRef, type EventStore, type StoredEventView } from '../actors/index.ts';
import { isJournalError, type AppendResult, type EventEnvelope, type Journal, type JournalEvent } from '../persistence/index.ts';

export interface JournalFailure {
  readonly _tag: string;
  readonly message: string;
  readonly retriable: boolean;
}

export type JournalReply<T> = { readonly _tag: 'Ok'; readonly value: T } | { readonly _tag: 'Err'; readonly error: JournalFailure };

export type JournalMsg =
  | {
      readonly _tag: 'Append';
      readonly persistenceId: string;
      readonly expectedSeq: number;
      readonly events: readonly JournalEvent[];
      readonly replyTo: ActorRef<JournalReply<AppendResult>>;
    }
  | {
      readonly _tag: 'Replay';
      readonly persistenceId: string;
      readonly fromSeq: number;
      readonly replyTo: ActorRef<JournalReply<StoredEventView[]>>;
    }
  | {
      readonly _tag: 'LoadSnapshot';
      readonly persistenceId: string;
      readonly replyTo: ActorRef<JournalReply<{ seq: number; state: unknown } | null>>;
    }
  | {
      readonly _tag: 'SaveSnapshot';
      readonly persistenceId: string;
      readonly seq: number;
      readonly state: unknown;
      readonly replyTo: ActorRef<JournalReply<null>>;
    }
  | {
      readonly _tag: 'DeleteSnapshots';
      readonly persistenceId: string;
      readonly beforeSeq: number;
      readonly replyTo: ActorRef<JournalReply<number>>;
    }
  | { readonly _tag: 'HighestSeq'; readonly persistenceId: string; readonly replyTo: ActorRef<JournalReply<number>> }
  /** The feed from `fromOffset`; with `waitMs`, an empty answer waits up to that long for events
   * (a long poll: how members without the journal follow the feed). */
  | {
      readonly _tag: 'Read';
      readonly fromOffset: number;
      readonly limit: number;
      readonly waitMs: number;
      readonly replyTo: ActorRef<JournalReply<EventEnvelope[]>>;
    }
  | { readonly _tag: 'Head'; readonly replyTo: ActorRef<JournalReply<number>> }
  | { readonly _tag: 'LoadCheckpoint'; readonly name: string; readonly replyTo: ActorRef<JournalReply<number>> }
  | { readonly _tag: 'SaveCheckpoint'; readonly name: string; readonly offset: number; readonly replyTo: ActorRef<JournalReply<null>> };

/** The path of the journal service on thread 0 of every node. */
export const JOURNAL_PATH = 'journal';

export function failure(error: unknown): JournalFailure {
  if (isJournalError(error)) return { _tag: error._tag, message: error.message, retriable: error.retriable };
  return { _tag: 'JournalUnavailable', message: error instanceof Error ? error.message : String(error), retriable: true };
}

function answer<T>(replyTo: ActorRef<JournalReply<T>>, work: Promise<T>): void {
  work.then(
    (value) => replyTo.tell({ _tag: 'Ok', value }),
    (error: unknown) => replyTo.tell({ _tag: 'Err', error: failure(error) }),
  );
}

async function collect(journal: Journal, persistenceId: string, fromSeq: number): Promise<StoredEventView[]> {
  const out: StoredEventView[] = [];
  for await (const e of journal.replay(persistenceId, fromSeq)) out.push({ seq: e.seq, event: e.event, offset: e.offset });
  return out;
}

interface Waiter {
  readonly fromOffset: number;
  readonly limit: number;
  readonly until: number;
  readonly replyTo: ActorRef<JournalReply<EventEnvelope[]>>;
}

export function journalService(journal: Journal) {
  // Long polls for the feed: checked against the head every few milliseconds while any wait.
  let waiters: Waiter[] = [];
  let polling = false;
  const poll = async (clock: { now(): number; setTimeout(fn: () => void, ms: number): unknown }) => {
    polling = true;
    while (waiters.length > 0) {
      await new Promise<void>((r) => clock.setTimeout(r, 5));
      let head: number;
      try {
        head = await journal.headOffset();
      } catch {
        head = 0;
      }
      const now = clock.now();
      const ready = waiters.filter((w) => w.fromOffset <= head || now >= w.until);
      if (ready.length === 0) continue;
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) answer(w.replyTo, w.fromOffset <= head ? journal.read(w.fromOffset, w.limit) : Promise.resolve([]));
    }
    polling = false;
  };
  return stateless<JournalMsg>((m, ctx) => {
    switch (m._tag) {
      case 'Append':
        return answer(m.replyTo, journal.append(m.persistenceId, m.expectedSeq, m.events));
      case 'Replay':
        return answer(m.replyTo, collect(journal, m.persistenceId, m.fromSeq));
      case 'LoadSnapshot':
        return answer(
          m.replyTo,
          journal.loadSnapshot(m.persistenceId).then((s) => (s ? { seq: s.seq, state: s.state } : null)),
        );
      case 'SaveSnapshot':
        return answer(
          m.replyTo,
          journal.saveSnapshot(m.persistenceId, m.seq, m.state).then(() => null),
        );
      case 'DeleteSnapshots':
        return answer(m.replyTo, journal.deleteSnapshots(m.persistenceId, m.beforeSeq));
      case 'HighestSeq':
        return answer(m.replyTo, journal.highestSeq(m.persistenceId));
      case 'Head':
        return answer(m.replyTo, journal.headOffset());
      case 'LoadCheckpoint':
        return answer(m.replyTo, journal.loadCheckpoint(m.name));
      case 'SaveCheckpoint':
        return answer(
          m.replyTo,
          journal.saveCheckpoint(m.name, m.offset).then(() => null),
        );
      case 'Read': {
        const limit = Math.max(1, Math.min(m.limit, 10_000));
        const read = journal.read(m.fromOffset, limit);
        if (!(m.waitMs > 0)) return answer(m.replyTo, read);
        const waitMs = Math.min(m.waitMs, 30_000);
        const replyTo = m.replyTo;
        read.then(
          (events) => {
            if (events.length > 0) return replyTo.tell({ _tag: 'Ok', value: events });
            waiters.push({ fromOffset: m.fromOffset, limit, until: ctx.clock.now() + waitMs, replyTo });
            if (!polling) void poll(ctx.clock);
          },
          (error: unknown) => replyTo.tell({ _tag: 'Err', error: failure(error) }),
        );
        return;
      }
    }
  });
}

/** A journal failure as an error the event-sourced behaviour turns into a Failed reply. */
export class RemoteJournalError extends Error {
  readonly _tag: string;
  readonly retriable: boolean;
  constructor(f: JournalFailure) {
    super(f.message);
    this._tag = f._tag;
    this.retriable = f.retriable;
  }
}

/**
 * The EventStore of entities on the thread that owns the journal: the journal itself, without
 * the journal service's message hop and its reply actor. Its errors are JournalErrors, which
 * carry the same `_tag` and `retriable` as a RemoteJournalError.
 */
export function localEventStore(journal: Journal): EventStore {
  return {
    append: (persistenceId, expectedSeq, events) => journal.append(persistenceId, expectedSeq, events as readonly JournalEvent[]),
    async *replay(persistenceId, fromSeq = 1) {
      for await (const e of journal.replay(persistenceId, fromSeq)) yield { seq: e.seq, event: e.event, offset: e.offset };
    },
    loadSnapshot: async (persistenceId) => {
      const s = await journal.loadSnapshot(persistenceId);
      return s ? { seq: s.seq, state: s.state } : undefined;
    },
    saveSnapshot: (persistenceId, seq, state) => journal.saveSnapshot(persistenceId, seq, state),
  };
}

export function remoteEventStore(journal: ActorRef<JournalMsg>, timeoutMs = 10_000): EventStore {
  async function call<T>(make: (replyTo: ActorRef<JournalReply<T>>) => JournalMsg): Promise<T> {
    const reply = await journal.ask<JournalReply<T>>(make, timeoutMs);
    if (reply._tag === 'Err') throw new RemoteJournalError(reply.error);
    return reply.value;
  }
  return {
    append: (persistenceId, expectedSeq, events) =>
      call<AppendResult>((replyTo) => ({ _tag: 'Append', persistenceId, expectedSeq, events: events as readonly JournalEvent[], replyTo })),
    async *replay(persistenceId, fromSeq = 1) {
      yield* await call<StoredEventView[]>((replyTo) => ({ _tag: 'Replay', persistenceId, fromSeq, replyTo }));
    },
    loadSnapshot: async (persistenceId) =>
      (await call<{ seq: number; state: unknown } | null>((replyTo) => ({ _tag: 'LoadSnapshot', persistenceId, replyTo }))) ?? undefined,
    saveSnapshot: async (persistenceId, seq, state) => {
      await call<null>((replyTo) => ({ _tag: 'SaveSnapshot', persistenceId, seq, state, replyTo }));
    },
  };
}
