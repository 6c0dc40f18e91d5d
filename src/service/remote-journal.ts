/**
 * The journal of a cluster, seen from a member that does not hold it.
 *
 * One member runs with the `journal` role: it opens the embedded LMDB journal and serves it at
 * JOURNAL_PATH (src/app/journal-service.ts), standing in for the shared ScyllaDB of production. On every
 * other member:
 * - `journalProxy` runs at JOURNAL_PATH on the main thread, so entities in the workers keep
 *   sending to "the journal of my node"; it forwards each message to the journal member, whose
 *   reply goes straight back to the asker. With no journal member, or an unreachable one, it
 *   answers JournalUnavailable at once (retriable), so a command fails fast instead of waiting
 *   for its timeout.
 * - `RemoteJournal` is the `Journal` the main thread's readers use (the view replicas, the feed
 *   route, the live violations): every call is an ask, and `subscribe` follows the feed with long
 *   polls.
 */
import { stateless, type ActorRef, type ActorSystem, type AnyRef } from '../actors/index.ts';
import type { ClusterNode } from '../cluster/index.ts';
import {
  JournalUnavailable,
  type AppendResult,
  type EventEnvelope,
  type FeedHandler,
  type Journal,
  type JournalEvent,
  type Snapshot,
  type SubscribeOptions,
  type Subscription,
} from '../persistence/index.ts';
import { failure, JOURNAL_PATH, RemoteJournalError, type JournalMsg, type JournalReply } from '../app/journal-service.ts';

/** Where the journal is: the member's node id, and whether it can be reached now. */
export type JournalLocator = () => { readonly node: string; readonly reachable: boolean } | undefined;

export const JOURNAL_ROLE = 'journal';

export function journalProxy(system: ActorSystem, locate: JournalLocator) {
  return stateless<JournalMsg>((m) => {
    const at = locate();
    if (at === undefined || !at.reachable) {
      const why =
        at === undefined
          ? `no cluster member has the ${JOURNAL_ROLE} role (start one node with --roles ${JOURNAL_ROLE})`
          : `the journal member ${at.node} is unreachable`;
      (m.replyTo as ActorRef<JournalReply<unknown>>).tell({ _tag: 'Err', error: failure(new JournalUnavailable(why)) });
      return;
    }
    // The asker as sender: if the link to the journal member cannot take it, the ask fails now.
    system.deliver({ node: at.node, thread: 0, path: JOURNAL_PATH }, m, m.replyTo as unknown as AnyRef);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RemoteJournal implements Journal {
  private closed = false;
  private readonly subscriptions = new Set<{ close(): Promise<void> }>();

  constructor(
    private readonly journal: ActorRef<JournalMsg>,
    private readonly timeoutMs = 10_000,
  ) {}

  private async call<T>(make: (replyTo: ActorRef<JournalReply<T>>) => JournalMsg, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.closed) throw new JournalUnavailable('the journal client is closed');
    const reply = await this.journal.ask<JournalReply<T>>(make, timeoutMs);
    if (reply._tag === 'Err') throw new RemoteJournalError(reply.error);
    return reply.value;
  }

  append(persistenceId: string, expectedSeq: number, events: readonly JournalEvent[]): Promise<AppendResult> {
    return this.call((replyTo) => ({ _tag: 'Append', persistenceId, expectedSeq, events, replyTo }));
  }

  async *replay(persistenceId: string, fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): AsyncIterable<EventEnvelope> {
    // The service's Replay carries seq and event only (all an entity needs): offset and
    // timestamp come back as 0 here. Read the feed for full envelopes.
    const events = await this.call<Array<{ seq: number; event: unknown }>>((replyTo) => ({
      _tag: 'Replay',
      persistenceId,
      fromSeq,
      replyTo,
    }));
    for (const e of events) {
      if (e.seq > toSeq) break;
      const event = e.event as JournalEvent;
      yield { persistenceId, seq: e.seq, offset: 0, type: event._tag, version: event.version ?? 1, timestamp: 0, event };
    }
  }

  highestSeq(persistenceId: string): Promise<number> {
    return this.call((replyTo) => ({ _tag: 'HighestSeq', persistenceId, replyTo }));
  }

  read(fromOffset: number, limit: number): Promise<EventEnvelope[]> {
    return this.call((replyTo) => ({ _tag: 'Read', fromOffset, limit, waitMs: 0, replyTo }));
  }

  /** A long poll: events from `fromOffset`, waiting up to `waitMs` for the first to exist. */
  readWait(fromOffset: number, limit: number, waitMs: number): Promise<EventEnvelope[]> {
    return this.call((replyTo) => ({ _tag: 'Read', fromOffset, limit, waitMs, replyTo }), this.timeoutMs + waitMs);
  }

  headOffset(): Promise<number> {
    return this.call((replyTo) => ({ _tag: 'Head', replyTo }));
  }

  subscribe(fromOffset: number, handler: FeedHandler, options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 256;
    let position = fromOffset;
    let stop = false;
    let handling: Promise<void> | undefined;
    const done = (async () => {
      let failures = 0;
      while (!stop && !this.closed) {
        let batch: EventEnvelope[];
        try {
          batch = await this.readWait(position, batchSize, 1_000);
          failures = 0;
        } catch {
          if (stop || this.closed) break;
          // The journal member is away (restarting, unreachable): keep trying, more slowly.
          failures++;
          await sleep(Math.min(1_000, 50 * failures));
          continue;
        }
        if (stop || batch.length === 0) continue;
        handling = Promise.resolve(handler(batch));
        await handling;
        handling = undefined;
        position = (batch[batch.length - 1] as EventEnvelope).offset + 1;
      }
    })();
    // Closing waits for the batch in hand, not for a long poll in flight: that ask cannot be
    // called back, and with the cluster gone it would only end at its timeout.
    const sub = {
      close: async () => {
        stop = true;
        this.subscriptions.delete(sub);
        await handling?.catch(() => undefined);
      },
    };
    this.subscriptions.add(sub);
    void done.finally(() => this.subscriptions.delete(sub)).catch(() => undefined);
    return { close: sub.close, done, position: () => position };
  }

  saveSnapshot(persistenceId: string, seq: number, state: unknown): Promise<void> {
    return this.call<null>((replyTo) => ({ _tag: 'SaveSnapshot', persistenceId, seq, state, replyTo })).then(() => undefined);
  }

  async loadSnapshot(persistenceId: string, maxSeq?: number): Promise<Snapshot | undefined> {
    const s = await this.call<{ seq: number; state: unknown } | null>((replyTo) => ({ _tag: 'LoadSnapshot', persistenceId, replyTo }));
    if (s === null || (maxSeq !== undefined && s.seq > maxSeq)) return undefined;
    return { persistenceId, seq: s.seq, timestamp: 0, state: s.state };
  }

  deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number> {
    return this.call((replyTo) => ({ _tag: 'DeleteSnapshots', persistenceId, beforeSeq, replyTo }));
  }

  loadCheckpoint(name: string): Promise<number> {
    return this.call((replyTo) => ({ _tag: 'LoadCheckpoint', name, replyTo }));
  }

  saveCheckpoint(name: string, offset: number): Promise<void> {
    return this.call<null>((replyTo) => ({ _tag: 'SaveCheckpoint', name, offset, replyTo })).then(() => undefined);
  }

  async close(): Promise<void> {
    const subs = [...this.subscriptions];
    this.closed = true;
    await Promise.all(subs.map((s) => s.close()));
  }
}

/** The journal member of a cluster: the oldest live member with the journal role. Cached and
 * refreshed on cluster events, because every append of the node's entities asks. */
export function clusterJournalLocator(cluster: ClusterNode): JournalLocator {
  let at: { node: string; reachable: boolean } | undefined;
  const refresh = () => {
    const view = cluster.view();
    const candidates = view.members.filter(
      (m) => m.roles.includes(JOURNAL_ROLE) && (m.status === 'up' || m.status === 'leaving' || m.status === 'joining'),
    );
    candidates.sort((a, b) => (a.upNumber || Number.MAX_SAFE_INTEGER) - (b.upNumber || Number.MAX_SAFE_INTEGER));
    const first = candidates[0];
    at = first ? { node: first.node, reachable: first.reachable } : undefined;
  };
  refresh();
  cluster.onClusterEvent(refresh);
  return () => at;
}
