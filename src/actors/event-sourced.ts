/**
 * The event-sourced behaviour: one actor per aggregate, its state the fold of its journalled
 * events.
 *
 *     recovering ──(snapshot + replay done)──▶ ready ──command──▶ decide ─▶ append ─▶ evolve ─▶ reply
 *         │ commands are stashed                  │ conflict: reply Failed, stop (the next
 *         └ journal down: fail, the supervisor    │ message recreates it from the journal)
 *           retries recovery with backoff         └ journal down: reply Failed, state unchanged
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

export interface StoredEventView {
  readonly seq: number;
  readonly event: unknown;
}

export interface EventStore {
  append(persistenceId: string, expectedSeq: number, events: readonly { readonly _tag: string }[]): Promise<{ readonly lastSeq: number; readonly lastOffset: number }>;
  replay(persistenceId: string, fromSeq?: number): AsyncIterable<StoredEventView>;
  loadSnapshot(persistenceId: string): Promise<{ readonly seq: number; readonly state: unknown } | undefined>;
  saveSnapshot(persistenceId: string, seq: number, state: unknown): Promise<void>;
}

export type Decision<E, Err> = { readonly _tag: 'Accepted'; readonly events: readonly E[] } | { readonly _tag: 'Rejected'; readonly error: Err };

export interface Decider<C, E, S, Err> {
  readonly decide: (command: C, state: S) => Decision<E, Err>;
  readonly evolve: (state: S, event: E) => S;
  readonly initialState: () => S;
}

/** Why a command was not carried out although the decider may have accepted it. */
export interface CommandFailure {
  readonly _tag: string;
  readonly message: string;
  readonly retriable: boolean;
}

export type CommandReply<E, Err> =
  | { readonly _tag: 'Accepted'; readonly events: readonly E[]; readonly seq: number; readonly offset: number }
  | { readonly _tag: 'Rejected'; readonly error: Err }
  | { readonly _tag: 'Failed'; readonly error: CommandFailure };

export type EntityMessage<C, E, S, Err> =
  | { readonly _tag: 'Command'; readonly command: C; readonly replyTo?: ActorRef<CommandReply<E, Err>> }
  | { readonly _tag: 'GetState'; readonly replyTo: ActorRef<{ readonly state: S; readonly seq: number }> }
  | { readonly _tag: '$Recovered'; readonly state: S; readonly seq: number }
  | { readonly _tag: '$RecoveryFailed'; readonly error: CommandFailure };

export interface EventSourcedSpec<C, E extends { readonly _tag: string }, S, Err> {
  readonly persistenceId: string;
  readonly store: EventStore;
  readonly decider: Decider<C, E, S, Err>;
  /** Save a snapshot when the seq crosses a multiple of this (0 or absent: never). */
  readonly snapshotEvery?: number;
  /** Lift stored events to the current shape (the journal's upcasters run before this). */
  readonly fromStored?: (event: unknown) => E;
}

type Stashed<C, E, Err> = { readonly command: C; readonly replyTo: ActorRef<CommandReply<E, Err>> | undefined };

interface EsState<C, E, S, Err> {
  phase: 'recovering' | 'ready';
  state: S;
  seq: number;
  stash: Stashed<C, E, Err>[];
  /** GetState asked during recovery, answered once it is done. */
  waiting: ActorRef<{ readonly state: S; readonly seq: number }>[];
}

export function eventSourced<C, E extends { readonly _tag: string }, S, Err>(spec: EventSourcedSpec<C, E, S, Err>): Behavior<EntityMessage<C, E, S, Err>> {
  type Msg = EntityMessage<C, E, S, Err>;
  const { persistenceId, store, decider } = spec;
  const lift = spec.fromStored ?? ((e: unknown) => e as E);

  async function recover(): Promise<{ state: S; seq: number }> {
    const snapshot = await store.loadSnapshot(persistenceId);
    let state = snapshot ? (snapshot.state as S) : decider.initialState();
    let seq = snapshot ? snapshot.seq : 0;
    for await (const stored of store.replay(persistenceId, seq + 1)) {
      state = decider.evolve(state, lift(stored.event));
      seq = stored.seq;
    }
    return { state, seq };
  }

  async function handle(s: EsState<C, E, S, Err>, command: C, replyTo: ActorRef<CommandReply<E, Err>> | undefined, ctx: ActorContext<Msg>): Promise<boolean> {
    const decision = decider.decide(command, s.state);
    if (decision._tag === 'Rejected') {
      replyTo?.tell({ _tag: 'Rejected', error: decision.error });
      return true;
    }
    if (decision.events.length === 0) {
      replyTo?.tell({ _tag: 'Accepted', events: [], seq: s.seq, offset: 0 });
      return true;
    }
    let result: { lastSeq: number; lastOffset: number };
    try {
      result = await store.append(persistenceId, s.seq, decision.events);
    } catch (error) {
      const failure = toFailure(error);
      replyTo?.tell({ _tag: 'Failed', error: failure });
      if (failure._tag === 'JournalConflict') {
        // Another writer got there first: our state is stale. Stop; the next message starts a
        // fresh incarnation that recovers from the journal.
        ctx.log('warn', `${persistenceId}: ${failure.message}; stopping to recover from the journal`);
        ctx.stop(ctx.self as ActorRef<never>);
        return false;
      }
      return true;
    }
    const before = s.seq;
    for (const event of decision.events) s.state = decider.evolve(s.state, event);
    s.seq = result.lastSeq;
    replyTo?.tell({ _tag: 'Accepted', events: decision.events, seq: result.lastSeq, offset: result.lastOffset });
    const every = spec.snapshotEvery ?? 0;
    if (every > 0 && Math.floor(s.seq / every) > Math.floor(before / every)) {
      store.saveSnapshot(persistenceId, s.seq, s.state).catch((error: unknown) => ctx.log('warn', `${persistenceId}: snapshot at ${s.seq} failed: ${toFailure(error).message}`));
    }
    return true;
  }

  return stateful<EsState<C, E, S, Err>, Msg>({
    initial: (ctx) => {
      recover().then(
        ({ state, seq }) => ctx.self.tell({ _tag: '$Recovered', state, seq }),
        (error: unknown) => ctx.self.tell({ _tag: '$RecoveryFailed', error: toFailure(error) }),
      );
      return { phase: 'recovering', state: decider.initialState(), seq: 0, stash: [], waiting: [] };
    },
    async receive(s, m, ctx) {
      switch (m._tag) {
        case 'Command':
          if (s.phase === 'recovering') s.stash.push({ command: m.command, replyTo: m.replyTo });
          else await handle(s, m.command, m.replyTo, ctx);
          return s;
        case 'GetState':
          if (s.phase === 'ready') m.replyTo.tell({ state: s.state, seq: s.seq });
          else s.waiting.push(m.replyTo);
          return s;
        case '$Recovered': {
          s.phase = 'ready';
          s.state = m.state;
          s.seq = m.seq;
          for (const w of s.waiting) w.tell({ state: s.state, seq: s.seq });
          s.waiting = [];
          const stash = s.stash;
          s.stash = [];
          for (const { command, replyTo } of stash) if (!(await handle(s, command, replyTo, ctx))) break;
          return s;
        }
        case '$RecoveryFailed':
          for (const { replyTo } of s.stash) replyTo?.tell({ _tag: 'Failed', error: m.error });
          // Let the supervisor restart us with backoff: recovery is retried on restart.
          throw new Error(`${persistenceId}: recovery failed: ${m.error.message}`);
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
