/**
 * A view replica: the projection actor. It owns one MemoryScheduleView, applies the feed batches
 * the pump sends it (acking each with the offset reached, which is the pump's flow control),
 * answers queries, and parks a query that names a minimum offset until the view has reached it
 * or its timeout fires (read your own writes).
 *
 * It runs wherever the kind is defined (`defineViewKinds`): a worker, or the main thread in
 * single-thread mode. Everything it receives and replies is plain tagged data, so it behaves the
 * same on both sides of a thread boundary. With a snapshot file, it starts from the snapshot and
 * writes a new one every `snapshotEvery` applied events: the pump then feeds it from its offset.
 */
import { kind, stateful, type ActorContext, type ActorRef, type ActorSystem, type Behavior, type TimerHandle } from '../actors/index.ts';
import type { EventEnvelope } from '../persistence/index.ts';
import type { ViewAnswer, ViewCounters, ViewQuery } from './contract.ts';
import { toViewErrorData, ViewLagTimeout, type ViewErrorData } from './errors.ts';
import { MemoryScheduleView } from './memory-view.ts';
import { answerJson, pageJsonBody, withOffset } from './answer-json.ts';
import { readSnapshotFile, writeSnapshotFile } from './snapshot-file.ts';

export interface ReplicaArgs {
  readonly name: string;
  /** Snapshot file to start from and to keep writing; none: the replica rebuilds from offset 0. */
  readonly snapshotFile?: string;
  /** Applied events between snapshots at least (default 50,000); the gap grows to half the
   * snapshot's offset, so writing snapshots costs the same per event at any view size. */
  readonly snapshotEvery?: number;
}

export type FeedAck = { readonly _tag: 'Applied'; readonly offset: number; readonly applied: number; readonly duplicates: number };
export type QueryReply =
  | { readonly _tag: 'Answer'; readonly answer: ViewAnswer; readonly offset: number }
  /** The answer already serialised as JSON: what the HTTP layer sends, built once where the data is. */
  | { readonly _tag: 'AnswerJson'; readonly json: string; readonly offset: number }
  | { readonly _tag: 'Failed'; readonly error: ViewErrorData };
export type ReplicaStatus = {
  readonly _tag: 'Status';
  readonly name: string;
  readonly offset: number;
  readonly counters: ViewCounters;
  readonly snapshotOffset: number;
};

export type ReplicaMsg =
  | { readonly _tag: 'Feed'; readonly batch: readonly EventEnvelope[]; readonly replyTo: ActorRef<FeedAck> }
  | {
      readonly _tag: 'Query';
      readonly query: ViewQuery;
      readonly minOffset: number;
      readonly timeoutMs: number;
      readonly json?: boolean;
      readonly replyTo: ActorRef<QueryReply>;
    }
  | { readonly _tag: 'Status'; readonly replyTo: ActorRef<ReplicaStatus> }
  /** Write a snapshot now (a graceful stop, a test); replies once it is on disk. */
  | { readonly _tag: 'SaveSnapshot'; readonly replyTo: ActorRef<ReplicaStatus> };

type Query = Extract<ReplicaMsg, { _tag: 'Query' }>;

interface State {
  view: MemoryScheduleView;
  /** Queries waiting for their minimum offset, oldest first. */
  parked: { q: Query; timer: TimerHandle }[];
  /** JSON bodies of check answers, by query: many clients ask the same whole-schedule questions,
   * and most events change no violation. */
  json: Map<string, CachedBody>;
  sinceSnapshot: number;
  snapshotOffset: number;
  /** A snapshot is being written; the next waits for it rather than queueing behind it. */
  snapshotting: boolean;
  writing: Promise<void>;
}

export const scheduleReplicaKind = kind<ReplicaArgs, ReplicaMsg>('aloft.views.schedule-replica');

/** Defines the replica kind in this thread's system: call it in every worker's boot `setup`. */
export function defineViewKinds(system: ActorSystem): void {
  system.define(scheduleReplicaKind, (args) => replicaBehavior(args, system));
}

const JSON_CACHE = 512;

/** A check answer's JSON body (all but the offset) and the violations version it was built at. */
interface CachedBody {
  readonly version: number;
  readonly body: string;
}

/** Synchronous on purpose: the runtime ends an actor's turn after every asynchronous receive, so
 * a replica that awaited per query would answer one query per event-loop turn. */
function reply(view: MemoryScheduleView, query: ViewQuery, asJson: boolean, cache: Map<string, CachedBody>): QueryReply {
  try {
    const offset = view.offsetNow();
    if (!asJson) return { _tag: 'Answer', answer: view.queryNow(query), offset };
    let json: string;
    if (query._tag === 'Rotation') json = view.rotationJsonNow(query.rotationId);
    else if (query._tag === 'Airplane' || query._tag === 'Window') json = answerJson(query, view.queryNow(query));
    else {
      // Check answers survive events that touch no violation (most planner edits): only the
      // offset they report moves on, and it is appended at reply time.
      const key = JSON.stringify(query);
      const version = view.violationsVersion();
      let hit = cache.get(key);
      if (hit === undefined || hit.version !== version) {
        if (cache.size >= JSON_CACHE) cache.clear();
        hit = { version, body: pageJsonBody(view.queryNow(query)) };
        cache.set(key, hit);
      }
      json = withOffset(hit.body, offset);
    }
    return { _tag: 'AnswerJson', json, offset };
  } catch (e) {
    return { _tag: 'Failed', error: toViewErrorData(e) };
  }
}

function answer(view: MemoryScheduleView, q: Query, cache: Map<string, CachedBody>): void {
  q.replyTo.tell(reply(view, q.query, q.json === true, cache));
}

/**
 * A replica seen from its own thread: answers a query at once, between two of the replica's
 * messages, when its view has reached `minOffset` (else undefined: ask it, and it parks the
 * query). The pool uses it for a replica on the caller's thread, which spares each query an ask,
 * a mailbox turn and a reply message.
 */
export interface LocalReplica {
  answerNow(query: ViewQuery, minOffset: number, asJson: boolean): QueryReply | undefined;
}

const locals = new WeakMap<ActorSystem, Map<string, LocalReplica>>();

/** The replica at `path` if it runs in `system` and has loaded its view. */
export function localReplica(system: ActorSystem, path: string): LocalReplica | undefined {
  return locals.get(system)?.get(path);
}

function registerLocal(system: ActorSystem, path: string, replica: LocalReplica | undefined): void {
  let byPath = locals.get(system);
  if (!byPath) locals.set(system, (byPath = new Map()));
  if (replica) byPath.set(path, replica);
  else byPath.delete(path);
}

/** `system` is the one the replica runs in, where it offers itself as a LocalReplica. */
export function replicaBehavior(args: ReplicaArgs, system?: ActorSystem): Behavior<ReplicaMsg> {
  const every = args.snapshotEvery ?? 50_000;
  let loading: Promise<MemoryScheduleView> | undefined;
  const load = async (): Promise<MemoryScheduleView> => {
    const s = args.snapshotFile === undefined ? undefined : await readSnapshotFile(args.snapshotFile);
    return s === undefined ? new MemoryScheduleView() : MemoryScheduleView.fromSnapshot(s);
  };
  /** Taken synchronously between two batches, so graph, offset and dedup filter are one consistent cut. */
  const snapshot = (s: State): Promise<void> => {
    if (args.snapshotFile === undefined) return Promise.resolve();
    const snap = s.view.snapshot();
    s.sinceSnapshot = 0;
    s.snapshotting = true;
    // One write at a time, in order: a newer snapshot must never be overwritten by an older one.
    // The file is encoded in slices between other messages (snapshot-file.ts), so the feed and
    // the queries go on while it is written.
    s.writing = s.writing
      .then(() => writeSnapshotFile(args.snapshotFile as string, snap))
      .then(
        () => void (s.snapshotOffset = snap.offset),
        () => undefined, // the next one tries again; the old file is intact
      )
      .finally(() => void (s.snapshotting = false));
    return s.writing;
  };
  return stateful<State | null, ReplicaMsg>({
    initial: null,
    receive(state, m, ctx) {
      // Lazily loaded on the first message: a snapshot read is I/O, and `initial` is synchronous.
      // Every later message is handled synchronously (see `answer`), except SaveSnapshot.
      if (state === null) {
        return (loading ??= load()).then((view) => {
          const s: State = {
            view,
            parked: [],
            json: new Map(),
            sinceSnapshot: 0,
            snapshotOffset: view.offsetNow(),
            snapshotting: false,
            writing: Promise.resolve(),
          };
          if (system)
            registerLocal(system, ctx.self.address.path, {
              answerNow: (query, minOffset, asJson) => (view.offsetNow() >= minOffset ? reply(view, query, asJson, s.json) : undefined),
            });
          return handle(s, m, ctx);
        });
      }
      return handle(state, m, ctx);
    },
    onStop: (_state, ctx) => system && registerLocal(system, ctx.self.address.path, undefined),
  });

  function handle(s: State, m: ReplicaMsg, ctx: ActorContext<ReplicaMsg>): State | Promise<State> {
    switch (m._tag) {
      case 'Feed': {
        const r = s.view.applyNow(m.batch);
        m.replyTo.tell({ _tag: 'Applied', offset: r.offset, applied: r.applied, duplicates: r.duplicates });
        s.sinceSnapshot += r.applied;
        if (s.sinceSnapshot >= Math.max(every, s.snapshotOffset / 2) && !s.snapshotting) void snapshot(s);
        if (s.parked.length > 0) {
          const ready = s.parked.filter((p) => p.q.minOffset <= r.offset);
          if (ready.length > 0) {
            s.parked = s.parked.filter((p) => p.q.minOffset > r.offset);
            for (const p of ready) {
              ctx.clock.clearTimeout(p.timer);
              answer(s.view, p.q, s.json);
            }
          }
        }
        return s;
      }
      case 'Query': {
        if (s.view.offsetNow() >= m.minOffset) {
          answer(s.view, m, s.json);
          return s;
        }
        const st = s;
        const timer = ctx.clock.setTimeout(() => {
          const i = st.parked.findIndex((p) => p.q === m);
          if (i < 0) return;
          st.parked.splice(i, 1);
          m.replyTo.tell({ _tag: 'Failed', error: new ViewLagTimeout(args.name, m.minOffset, st.view.offsetNow(), m.timeoutMs).data });
        }, m.timeoutMs);
        s.parked.push({ q: m, timer });
        return s;
      }
      case 'SaveSnapshot':
        return snapshot(s).then(() => {
          m.replyTo.tell({
            _tag: 'Status',
            name: args.name,
            offset: s.view.offsetNow(),
            counters: s.view.countersNow(),
            snapshotOffset: s.snapshotOffset,
          });
          return s;
        });
      case 'Status':
        m.replyTo.tell({
          _tag: 'Status',
          name: args.name,
          offset: s.view.offsetNow(),
          counters: s.view.countersNow(),
          snapshotOffset: s.snapshotOffset,
        });
        return s;
    }
  }
}
