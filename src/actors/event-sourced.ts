/**
 * The event-sourced behaviour: one actor per aggregate, its state the fold of its journalled
 * events.
 *
 *     recovering ──(snapshot + replay done)──▶ ready ──commands──▶ decide ─▶ append ─▶ evolve ─▶ reply
 *         │ commands are queued                   │ (commands arriving meanwhile queue up and
 *         └ journal down: fail, the supervisor    │  go into the next write together)
 *           retries recovery with backoff         ├ conflict: reply Failed, stop (the next
 *                                                 │ message recreates it from the journal)
 *                                                 └ journal down: reply Failed, state unchanged
 *
 * A command is acknowledged only after its events are stored: the reply carries the global
 * offset of the last one, so a query can wait for a view to reach it (read your own writes).
 *
 * This folder knows nothing of storage: `EventStore` is the slice of the journal this behaviour
 * needs (src/persistence's Journal satisfies it structurally), and the decider's shape is the
 * domain's (decide -> Accepted | Rejected, evolve, initialState) without importing it.
 */
import { stateful, type ActorContext, type Behavior } from './behavior.ts';
import type { ActorRef } from './ref.ts';

/** An event as `EventStore.replay` yields it. */
export interface StoredEventView {
  readonly seq: number;
  readonly event: unknown;
  /** Its feed offset, where the store knows it (an accepted command that stores nothing answers the latest one). */
  readonly offset?: number;
}

/**
 * The slice of a journal an event-sourced actor needs. The `Journal` of `aloft/persistence`
 * satisfies it; wrap one to observe or adapt what the actor does.
 */
export interface EventStore {
  /** Appends after `expectedSeq`, atomically; rejects (a conflict) when the aggregate is elsewhere. */
  append(
    persistenceId: string,
    expectedSeq: number,
    events: readonly { readonly _tag: string }[],
  ): Promise<{ readonly lastSeq: number; readonly lastOffset: number }>;
  /** The aggregate's events from `fromSeq` on, in order. */
  replay(persistenceId: string, fromSeq?: number): AsyncIterable<StoredEventView>;
  /** The newest snapshot, if any. */
  loadSnapshot(persistenceId: string): Promise<{ readonly seq: number; readonly state: unknown } | undefined>;
  /** Stores the state as of `seq`. */
  saveSnapshot(persistenceId: string, seq: number, state: unknown): Promise<void>;
}

/** What `decide` answers: the events a command causes (possibly none), or why it is refused. */
export type Decision<E, Err> =
  | { readonly _tag: 'Accepted'; readonly events: readonly E[] }
  | { readonly _tag: 'Rejected'; readonly error: Err };

/**
 * An aggregate's logic as three pure functions over plain data, with no actor or storage in
 * sight, so it is tested with tables: given(events).when(command).then(events).
 */
export interface Decider<C, E, S, Err> {
  /** Accepts a command with the events it causes, or rejects it; must not change `state`. */
  readonly decide: (command: C, state: S) => Decision<E, Err>;
  /** Folds one event into the state. Also runs on replay, so it must not fail on a stored event. */
  readonly evolve: (state: S, event: E) => S;
  /** The state before the first event. */
  readonly initialState: () => S;
}

/** Why a command was not carried out although the decider may have accepted it. */
export interface CommandFailure {
  readonly _tag: string;
  readonly message: string;
  readonly retriable: boolean;
}

/**
 * The answer to a `Command`: `Accepted` once its events are stored (with the aggregate's `seq`
 * and the feed `offset` of the last one), `Rejected` by the decider, or `Failed` when it could not
 * be carried out (see `CommandFailure.retriable`).
 */
export type CommandReply<E, Err> =
  | { readonly _tag: 'Accepted'; readonly events: readonly E[]; readonly seq: number; readonly offset: number }
  | { readonly _tag: 'Rejected'; readonly error: Err }
  | { readonly _tag: 'Failed'; readonly error: CommandFailure };

/**
 * What an event-sourced actor takes: `Command` (with `replyTo` for a `CommandReply`),
 * `GetState`, and `Passivate`. The `$`-tagged ones are its own internal messages.
 */
export type EntityMessage<C, E, S, Err> =
  | { readonly _tag: 'Command'; readonly command: C; readonly replyTo?: ActorRef<CommandReply<E, Err>> }
  | { readonly _tag: 'GetState'; readonly replyTo: ActorRef<{ readonly state: S; readonly seq: number }> }
  /** Stop gracefully (a shard handoff): after the write in flight, if any, has completed and been
   * answered. Commands still waiting then fail with EntityStopped (retriable: not applied). */
  | { readonly _tag: 'Passivate' }
  | { readonly _tag: '$Recovered'; readonly state: S; readonly seq: number; readonly lastOffset: number; readonly discarded?: string }
  | { readonly _tag: '$RecoveryFailed'; readonly error: CommandFailure }
  | { readonly _tag: '$Appended'; readonly token: number; readonly lastSeq: number; readonly lastOffset: number }
  | { readonly _tag: '$AppendFailed'; readonly token: number; readonly error: CommandFailure };

/** The options of `eventSourced`. */
export interface EventSourcedSpec<C, E extends { readonly _tag: string }, S, Err> {
  /** The aggregate's id in the journal; one actor per id at a time. */
  readonly persistenceId: string;
  readonly store: EventStore;
  readonly decider: Decider<C, E, S, Err>;
  /** Save a snapshot when the seq crosses a multiple of this (0 or absent: never). */
  readonly snapshotEvery?: number;
  /** Lift stored events to the current shape (the journal's upcasters run before this). */
  readonly fromStored?: (event: unknown) => E;
  /**
   * The schema version of the state in snapshots. With it, snapshots are saved as
   * `{ $schema: version, state }`; one saved without (before snapshots had versions) counts as
   * version 1. A snapshot of the current version is used as it is; an older one goes through
   * `upcast`, and when there is no upcast or it returns undefined (or the snapshot is newer than
   * this code), the snapshot is discarded: the state is rebuilt from all the events and a fresh
   * snapshot saved. Never read as a shape it is not. Without `snapshotSchema`, states are saved
   * and read as they are.
   */
  readonly snapshotSchema?: SnapshotSchema<S>;
  /** Commands held while recovering or while a write is in flight; past it they fail at once. */
  readonly maxQueued?: number;
  /** Most commands decided into one journal write. */
  readonly maxBatch?: number;
}

/** A version for the shape of an actor's snapshots (see `EventSourcedSpec.snapshotSchema`). */
export interface SnapshotSchema<S> {
  readonly version: number;
  /** Lifts a snapshot of an older version to this one; undefined discards it (the state is rebuilt from the events). */
  readonly upcast?: (state: unknown, fromVersion: number) => S | undefined;
}

/** What a snapshot's stored value holds: its state, or why it cannot be used. */
export function readSnapshotState<S>(
  stored: unknown,
  schema: SnapshotSchema<S> | undefined,
): { readonly state: S } | { readonly discard: string } {
  if (schema === undefined) return { state: stored as S };
  const w = stored as { $schema?: unknown; state?: unknown } | null;
  const wrapped = typeof w === 'object' && w !== null && typeof w.$schema === 'number' && 'state' in w;
  const version = wrapped ? (w.$schema as number) : 1;
  const body = wrapped ? w.state : stored;
  if (version === schema.version) return { state: body as S };
  if (version > schema.version) return { discard: `snapshot schema version ${version} is newer than this code's ${schema.version}` };
  const lifted = schema.upcast?.(body, version);
  return lifted === undefined ? { discard: `snapshot schema version ${version} cannot be lifted to ${schema.version}` } : { state: lifted };
}

/** The value stored for a snapshot of `state`: wrapped with its version when there is a schema. */
export function snapshotValue<S>(state: S, schema: SnapshotSchema<S> | undefined): unknown {
  return schema === undefined ? state : { $schema: schema.version, state };
}

type Queued<C, E, Err> = { readonly command: C; readonly replyTo: ActorRef<CommandReply<E, Err>> | undefined };

type Outcome<E, Err> =
  | {
      readonly replyTo: ActorRef<CommandReply<E, Err>> | undefined;
      readonly kind: 'accepted';
      readonly events: readonly E[];
      readonly lastIndex: number;
    }
  | { readonly replyTo: ActorRef<CommandReply<E, Err>> | undefined; readonly kind: 'rejected'; readonly error: Err };

interface InFlight<E, S, Err> {
  readonly token: number;
  readonly outcomes: readonly Outcome<E, Err>[];
  readonly next: S;
  readonly count: number;
}

interface EsState<C, E, S, Err> {
  phase: 'recovering' | 'ready';
  state: S;
  seq: number;
  /** Feed offset of the entity's latest event, 0 while unknown (recovered from a snapshot alone). */
  lastOffset: number;
  queue: Queued<C, E, Err>[];
  inFlight: InFlight<E, S, Err> | undefined;
  /** GetState asked during recovery, answered once it is done. */
  waiting: ActorRef<{ readonly state: S; readonly seq: number }>[];
  /** Passivate received: no new write starts; the entity stops once the one in flight is done. */
  stopping: boolean;
}

/** What commands still queued get when their entity stops for a handoff. */
export const ENTITY_STOPPED = 'EntityStopped';

/**
 * The behaviour of an event-sourced actor, one per aggregate (`persistenceId`): it recovers from
 * the latest snapshot plus the events after it, then decides each `Command`, appends the events
 * with the expected seq, folds them, and replies only once they are stored. A journal conflict
 * (another writer of the same aggregate) answers `Failed` and stops the actor, so that the next
 * message recovers a fresh incarnation from the journal.
 *
 * Commands that arrive while a write is in flight are queued and then decided together, each
 * against the state its predecessors produced, into ONE append: a burst of commands to one
 * aggregate costs one journal write, not one per command (Akka Persistence batches the same way).
 * Replies still go out per command, only after the write is durable, each with its own seq and
 * offset (an append's events get consecutive offsets).
 */
export function eventSourced<C, E extends { readonly _tag: string }, S, Err>(
  spec: EventSourcedSpec<C, E, S, Err>,
): Behavior<EntityMessage<C, E, S, Err>> {
  type Msg = EntityMessage<C, E, S, Err>;
  const { persistenceId, store, decider } = spec;
  const lift = spec.fromStored ?? ((e: unknown) => e as E);
  const maxQueued = spec.maxQueued ?? 10_000;
  const maxBatch = spec.maxBatch ?? 1_000;
  // Tokens tell this incarnation's write completions from a previous incarnation's.
  let tokens = 0;

  async function recover(): Promise<{ state: S; seq: number; lastOffset: number; discarded?: string }> {
    const snapshot = await store.loadSnapshot(persistenceId);
    const read = snapshot ? readSnapshotState(snapshot.state, spec.snapshotSchema) : undefined;
    const usable = read !== undefined && 'state' in read;
    let state = usable ? read.state : decider.initialState();
    let seq = usable && snapshot ? snapshot.seq : 0;
    let lastOffset = 0;
    for await (const stored of store.replay(persistenceId, seq + 1)) {
      state = decider.evolve(state, lift(stored.event));
      seq = stored.seq;
      lastOffset = stored.offset ?? lastOffset;
    }
    return read !== undefined && 'discard' in read
      ? { state, seq, lastOffset, discarded: `snapshot at seq ${snapshot?.seq ?? 0} discarded (${read.discard}); rebuilt from the events` }
      : { state, seq, lastOffset };
  }

  /** Decides everything queued (up to maxBatch) and starts one write; replies at once if nothing to write. */
  function flush(s: EsState<C, E, S, Err>, ctx: ActorContext<Msg>): void {
    if (s.stopping) return maybeStop(s, ctx);
    while (s.phase === 'ready' && s.inFlight === undefined && s.queue.length > 0) {
      const batch = s.queue.length <= maxBatch ? s.queue : s.queue.slice(0, maxBatch);
      s.queue = batch === s.queue ? [] : s.queue.slice(maxBatch);
      let next = s.state;
      const events: E[] = [];
      const outcomes: Outcome<E, Err>[] = [];
      for (const { command, replyTo } of batch) {
        const decision = decider.decide(command, next);
        if (decision._tag === 'Rejected') {
          outcomes.push({ replyTo, kind: 'rejected', error: decision.error });
          continue;
        }
        for (const event of decision.events) next = decider.evolve(next, event);
        events.push(...decision.events);
        outcomes.push({ replyTo, kind: 'accepted', events: decision.events, lastIndex: events.length - 1 });
      }
      if (events.length === 0) {
        // Nothing to store (an idempotent repeat): the offset of the latest event, so a query
        // waiting for it sees the state this answer was decided on.
        for (const o of outcomes)
          o.replyTo?.tell(
            o.kind === 'rejected'
              ? { _tag: 'Rejected', error: o.error }
              : { _tag: 'Accepted', events: [], seq: s.seq, offset: s.lastOffset },
          );
        continue;
      }
      const token = ++tokens;
      s.inFlight = { token, outcomes, next, count: events.length };
      store.append(persistenceId, s.seq, events).then(
        (r) => ctx.self.tell({ _tag: '$Appended', token, lastSeq: r.lastSeq, lastOffset: r.lastOffset }),
        (error: unknown) => ctx.self.tell({ _tag: '$AppendFailed', token, error: toFailure(error) }),
      );
    }
  }

  function appended(s: EsState<C, E, S, Err>, m: Extract<Msg, { _tag: '$Appended' }>, ctx: ActorContext<Msg>): void {
    const batch = s.inFlight;
    if (batch === undefined || batch.token !== m.token) return;
    s.inFlight = undefined;
    const before = s.seq;
    s.state = batch.next;
    s.seq = m.lastSeq;
    s.lastOffset = m.lastOffset;
    const firstSeq = m.lastSeq - batch.count + 1;
    const firstOffset = m.lastOffset - batch.count + 1;
    for (const o of batch.outcomes) {
      if (o.kind === 'rejected') o.replyTo?.tell({ _tag: 'Rejected', error: o.error });
      else o.replyTo?.tell({ _tag: 'Accepted', events: o.events, seq: firstSeq + o.lastIndex, offset: firstOffset + o.lastIndex });
    }
    const every = spec.snapshotEvery ?? 0;
    if (every > 0 && Math.floor(s.seq / every) > Math.floor(before / every)) {
      store
        .saveSnapshot(persistenceId, s.seq, snapshotValue(s.state, spec.snapshotSchema))
        .catch((error: unknown) => ctx.log('warn', `${persistenceId}: snapshot at ${s.seq} failed: ${toFailure(error).message}`));
    }
  }

  /** A stopping entity stops once recovered and with no write in flight; what waits fails. */
  function maybeStop(s: EsState<C, E, S, Err>, ctx: ActorContext<Msg>): void {
    if (!s.stopping || s.phase !== 'ready' || s.inFlight !== undefined) return;
    const error: CommandFailure = {
      _tag: ENTITY_STOPPED,
      message: `${persistenceId} stopped for a handoff before this command was decided; it was not applied`,
      retriable: true,
    };
    for (const q of s.queue) q.replyTo?.tell({ _tag: 'Failed', error });
    s.queue = [];
    ctx.stop(ctx.self as ActorRef<never>);
  }

  function appendFailed(s: EsState<C, E, S, Err>, m: Extract<Msg, { _tag: '$AppendFailed' }>, ctx: ActorContext<Msg>): void {
    const batch = s.inFlight;
    if (batch === undefined || batch.token !== m.token) return;
    s.inFlight = undefined;
    // Nothing of the batch was stored; its rejections were decided on top of unstored events, so
    // they fail too rather than claim a reason that may not hold.
    for (const o of batch.outcomes) o.replyTo?.tell({ _tag: 'Failed', error: m.error });
    if (m.error._tag === 'JournalConflict') {
      // Another writer got there first: our state is stale. Stop; the next message starts a
      // fresh incarnation that recovers from the journal. Queued commands fail (retriable).
      ctx.log('warn', `${persistenceId}: ${m.error.message}; stopping to recover from the journal`);
      for (const q of s.queue) q.replyTo?.tell({ _tag: 'Failed', error: { ...m.error, retriable: true } });
      s.queue = [];
      ctx.stop(ctx.self as ActorRef<never>);
    }
  }

  return stateful<EsState<C, E, S, Err>, Msg>({
    initial: (ctx) => {
      recover().then(
        (r) =>
          ctx.self.tell(
            r.discarded === undefined
              ? { _tag: '$Recovered', state: r.state, seq: r.seq, lastOffset: r.lastOffset }
              : { _tag: '$Recovered', state: r.state, seq: r.seq, lastOffset: r.lastOffset, discarded: r.discarded },
          ),
        (error: unknown) => ctx.self.tell({ _tag: '$RecoveryFailed', error: toFailure(error) }),
      );
      return {
        phase: 'recovering',
        state: decider.initialState(),
        seq: 0,
        lastOffset: 0,
        queue: [],
        inFlight: undefined,
        waiting: [],
        stopping: false,
      };
    },
    receive(s, m, ctx) {
      switch (m._tag) {
        case 'Command':
          if (s.queue.length >= maxQueued) {
            m.replyTo?.tell({
              _tag: 'Failed',
              error: { _tag: 'MailboxFull', message: `${persistenceId} has ${maxQueued} commands waiting`, retriable: true },
            });
            return s;
          }
          s.queue.push({ command: m.command, replyTo: m.replyTo });
          flush(s, ctx);
          return s;
        case 'GetState':
          if (s.phase === 'ready') m.replyTo.tell({ state: s.state, seq: s.seq });
          else s.waiting.push(m.replyTo);
          return s;
        case 'Passivate':
          s.stopping = true;
          maybeStop(s, ctx);
          return s;
        case '$Recovered':
          s.phase = 'ready';
          s.state = m.state;
          s.seq = m.seq;
          s.lastOffset = m.lastOffset;
          if (m.discarded !== undefined) {
            // The old snapshot stays the latest until a newer one replaces it: write one now.
            ctx.log('warn', `${persistenceId}: ${m.discarded}`);
            if (m.seq > 0)
              store
                .saveSnapshot(persistenceId, m.seq, snapshotValue(m.state, spec.snapshotSchema))
                .catch((error: unknown) => ctx.log('warn', `${persistenceId}: snapshot at ${m.seq} failed: ${toFailure(error).message}`));
          }
          for (const w of s.waiting) w.tell({ state: s.state, seq: s.seq });
          s.waiting = [];
          flush(s, ctx);
          return s;
        case '$RecoveryFailed':
          for (const { replyTo } of s.queue) replyTo?.tell({ _tag: 'Failed', error: m.error });
          s.queue = [];
          // Stop rather than throw: the entity host starts it afresh on its next command, which
          // retries the recovery. Throwing would go through supervision, and during a journal
          // outage every entity failing at once exceeded the restart intensity and escalated to
          // the host, restarting (and finally stopping) every entity of that type on the thread.
          // A handed-off entity stops too: its next home recovers it.
          if (!s.stopping) ctx.log('warn', `${persistenceId}: recovery failed (${m.error.message}); stopped until its next command`);
          ctx.stop(ctx.self as ActorRef<never>);
          return s;
        case '$Appended':
          appended(s, m, ctx);
          flush(s, ctx);
          return s;
        case '$AppendFailed':
          appendFailed(s, m, ctx);
          flush(s, ctx);
          return s;
      }
    },
  });
}

function toFailure(error: unknown): CommandFailure {
  if (typeof error === 'object' && error !== null) {
    const e = error as { _tag?: unknown; message?: unknown; retriable?: unknown };
    return {
      _tag: typeof e._tag === 'string' ? e._tag : 'Error',
      message: typeof e.message === 'string' ? e.message : String(error),
      retriable: e.retriable === true,
    };
  }
  return { _tag: 'Error', message: String(error), retriable: false };
}
