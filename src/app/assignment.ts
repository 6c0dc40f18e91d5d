/**
 * The assignment saga as a durable, sharded entity (entity type `assignment`, host
 * `assignments`, persistence id `assignment-<sagaId>`): it runs the domain's pure saga
 * (src/domain/assignment-saga.ts) and journals every input before acting on it.
 *
 *     Start ─▶ journal AssignmentSagaStarted ─▶ send pendingCommand ─▶ reply ─▶ journal
 *     AssignmentSagaStepped{input} ─▶ send the next pendingCommand … ─▶ completed: answer the waiters
 *
 * After a crash, a handoff or the loss of its member, the entity is recreated by its next message
 * (any: the keeper's Wake, a client's GET), replays its inputs, and sends the command its state
 * waits on again; every such command is safe to deliver twice (see the domain module). A step
 * that fails (timeout, shard moving, journal down) is retried with backoff, forever: a saga ends
 * only in `completed`, compensation included. Handed off (Passivate), an unfinished saga stops
 * after its journal write and wakes itself at its new home through the region.
 */
import type { ActorContext, ActorRef, Behavior, CommandReply, EventStore, TimerHandle } from '../actors/index.ts';
import { stateful } from '../actors/index.ts';
import {
  initialSagaState,
  pendingCommand,
  readAirplane,
  transition,
  type AirplaneCommand,
  type AirplaneError,
  type AirplaneEvent,
  type AirplaneState,
  type AssignmentSagaInput,
  type AssignmentSagaState,
  type RotationCommand,
  type RotationError,
  type RotationEvent,
  type SagaCommand,
  type SagaOutcome,
} from '../domain/index.ts';

export type StartInput = Extract<AssignmentSagaInput, { _tag: 'StartAssignment' | 'StartUnassignment' }>;

/** The saga's own journal events. The inputs are the domain's, replies included. */
export type AssignmentSagaEvent =
  | {
      readonly _tag: 'AssignmentSagaStarted';
      readonly version: 1;
      readonly sagaId: string;
      readonly input: StartInput;
      readonly at: number;
    }
  | {
      readonly _tag: 'AssignmentSagaStepped';
      readonly version: 1;
      readonly sagaId: string;
      readonly step: number;
      readonly input: AssignmentSagaInput;
      readonly offset: number;
      readonly at: number;
    };

/** The persistence id prefix of sagas: the keeper follows the feed for it. */
export const SAGA_PREFIX = 'assignment-';

export interface AssignmentStatus {
  readonly assignmentId: string;
  readonly kind: 'assign' | 'unassign';
  readonly registration: string;
  readonly rotationId: string | null;
  readonly state: 'running' | 'completed';
  readonly phase: AssignmentSagaState['phase'];
  readonly outcome: SagaOutcome | null;
  /** Highest feed offset of the aggregates' events this saga produced (read your own writes). */
  readonly offset: number;
  readonly steps: number;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export type StartReply =
  | { readonly _tag: 'Completed'; readonly status: AssignmentStatus }
  /** The id names another saga (a client reused an assignment id for something else). */
  | { readonly _tag: 'Conflict'; readonly status: AssignmentStatus }
  /** The start could not be journalled (the journal is down): no saga was started. */
  | { readonly _tag: 'NotStarted'; readonly message: string }
  /** The saga moved (its shard was handed off) before it finished: it goes on at its new home. */
  | { readonly _tag: 'Moved' };

export type SagaMsg =
  | { readonly _tag: 'Start'; readonly input: StartInput; readonly replyTo?: ActorRef<StartReply> }
  /** Resume if unfinished and idle (the keeper, or the saga itself at its new home). */
  | { readonly _tag: 'Wake' }
  | { readonly _tag: 'GetStatus'; readonly replyTo: ActorRef<AssignmentStatus | null> }
  | { readonly _tag: 'Passivate' }
  | { readonly _tag: '$Recovered'; readonly record: SagaRecord; readonly seq: number }
  | { readonly _tag: '$RecoveryFailed'; readonly message: string }
  | { readonly _tag: '$Replied'; readonly token: number; readonly input: AssignmentSagaInput; readonly offset: number }
  | { readonly _tag: '$StepFailed'; readonly token: number; readonly message: string }
  | { readonly _tag: '$Appended'; readonly token: number; readonly seq: number }
  | { readonly _tag: '$AppendFailed'; readonly token: number; readonly conflict: boolean; readonly message: string };

/** What the saga sends its commands through (the shard region, from the entity's thread). */
export interface SagaEffects {
  rotation(rotationId: string, command: RotationCommand): Promise<CommandReply<RotationEvent, RotationError>>;
  airplane(registration: string, command: AirplaneCommand): Promise<CommandReply<AirplaneEvent, AirplaneError>>;
  airplaneState(registration: string): Promise<{ readonly state: AirplaneState }>;
  /** Tells this saga (wherever its shard lives now) to wake up. */
  wake(sagaId: string): void;
}

/** Where a saga stands between two actions: a fault-injection point for tests. */
export interface SagaStepPoint {
  /** before-send: the input before is journalled, the command not sent yet; after-reply: the
   * command was applied (or refused), its reply not journalled yet. */
  readonly point: 'before-send' | 'after-reply';
  readonly sagaId: string;
  /** Inputs journalled so far after the start (0 before the first command's reply). */
  readonly step: number;
  readonly phase: AssignmentSagaState['phase'];
  readonly command: SagaCommand['_tag'];
}

export interface SagaHooks {
  /** Called at each point; at `before-send` it may hold the step back for a while (a test's handoff). */
  readonly onStep?: (at: SagaStepPoint) => { readonly delayMs: number } | undefined;
}

export interface SagaRecord {
  readonly saga: AssignmentSagaState;
  readonly start: StartInput | null;
  readonly steps: number;
  readonly offset: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export const emptyRecord: SagaRecord = { saga: initialSagaState(), start: null, steps: 0, offset: 0, startedAt: null, finishedAt: null };

/** The fold of a saga's events: the saga's state is the fold of its inputs. */
export function evolveRecord(r: SagaRecord, e: AssignmentSagaEvent): SagaRecord {
  if (e._tag === 'AssignmentSagaStarted') {
    if (r.start !== null) return r;
    return { ...r, saga: transition(r.saga, e.input).state, start: e.input, startedAt: e.at };
  }
  if (e.step !== r.steps + 1) return r; // a step already folded in
  const saga = transition(r.saga, e.input).state;
  return { ...r, saga, steps: e.step, offset: Math.max(r.offset, e.offset), finishedAt: saga.phase === 'completed' ? e.at : r.finishedAt };
}

export function statusOf(sagaId: string, r: SagaRecord): AssignmentStatus | null {
  if (r.start === null) return null;
  const s = r.saga;
  return {
    assignmentId: sagaId,
    kind: r.start._tag === 'StartAssignment' ? 'assign' : 'unassign',
    registration: r.start.registration,
    rotationId:
      r.start._tag === 'StartAssignment'
        ? r.start.rotationId
        : s.phase === 'completed' && s.outcome._tag === 'Unassigned'
          ? s.outcome.rotationId
          : null,
    state: s.phase === 'completed' ? 'completed' : 'running',
    phase: s.phase,
    outcome: s.phase === 'completed' ? s.outcome : null,
    offset: r.offset,
    steps: r.steps,
    startedAt: r.startedAt === null ? null : new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
  };
}

function sameStart(a: StartInput, b: StartInput): boolean {
  return (
    a._tag === b._tag &&
    a.registration === b.registration &&
    (a._tag === 'StartUnassignment' || (b._tag === 'StartAssignment' && a.rotationId === b.rotationId))
  );
}

interface State {
  phase: 'recovering' | 'ready';
  record: SagaRecord;
  seq: number;
  /** Messages that came while recovering, handled once it is done. */
  stash: SagaMsg[];
  waiters: ActorRef<StartReply>[];
  /** A journal write in flight (its token), or a step in flight (its token). */
  appending: number | undefined;
  stepping: number | undefined;
  attempts: number;
  retry: TimerHandle | undefined;
  stopping: boolean;
}

export interface SagaEntitySpec {
  readonly sagaId: string;
  readonly persistenceId: string;
  readonly store: EventStore;
  readonly effects: SagaEffects;
  readonly hooks?: SagaHooks;
  /** Per step; the step is retried after it. Default 10 s. */
  readonly stepTimeoutMs?: number;
  readonly now?: () => number;
}

const BACKOFF_MS = [100, 200, 500, 1_000, 2_000, 5_000];

export function sagaEntity(spec: SagaEntitySpec): Behavior<SagaMsg> {
  const { sagaId, persistenceId, store, effects } = spec;
  const now = spec.now ?? Date.now;
  let tokens = 0;

  async function recover(): Promise<{ record: SagaRecord; seq: number }> {
    let record = emptyRecord;
    let seq = 0;
    for await (const stored of store.replay(persistenceId, 1)) {
      record = evolveRecord(record, stored.event as AssignmentSagaEvent);
      seq = stored.seq;
    }
    return { record, seq };
  }

  async function perform(command: SagaCommand): Promise<{ input: AssignmentSagaInput; offset: number }> {
    switch (command._tag) {
      case 'ReadAirplane': {
        const { state } = await effects.airplaneState(command.registration);
        return { input: { _tag: 'AirplaneRead', reading: readAirplane(state) }, offset: 0 };
      }
      case 'SendToRotation': {
        const reply = await effects.rotation(command.rotationId, command.command);
        if (reply._tag === 'Failed') throw new Error(reply.error.message);
        const decision = reply._tag === 'Accepted' ? { _tag: 'Accepted' as const, events: reply.events } : reply;
        return { input: { _tag: 'RotationReplied', decision }, offset: reply._tag === 'Accepted' ? reply.offset : 0 };
      }
      case 'SendToAirplane': {
        const reply = await effects.airplane(command.registration, command.command);
        if (reply._tag === 'Failed') throw new Error(reply.error.message);
        const decision = reply._tag === 'Accepted' ? { _tag: 'Accepted' as const, events: reply.events } : reply;
        return { input: { _tag: 'AirplaneReplied', decision }, offset: reply._tag === 'Accepted' ? reply.offset : 0 };
      }
    }
  }

  function append(s: State, ctx: ActorContext<SagaMsg>, event: AssignmentSagaEvent): void {
    const token = ++tokens;
    s.appending = token;
    store.append(persistenceId, s.seq, [event]).then(
      (r) => ctx.self.tell({ _tag: '$Appended', token, seq: r.lastSeq }),
      (error: unknown) => {
        const e = error as { _tag?: unknown; message?: unknown };
        ctx.self.tell({
          _tag: '$AppendFailed',
          token,
          conflict: e?._tag === 'JournalConflict',
          message: typeof e?.message === 'string' ? e.message : String(error),
        });
      },
    );
    // The event is folded once stored; until then nothing else starts.
    pendingEvent.set(token, event);
  }
  const pendingEvent = new Map<number, AssignmentSagaEvent>();

  function answerWaiters(s: State): void {
    if (s.record.saga.phase !== 'completed') return;
    const status = statusOf(sagaId, s.record);
    if (status === null) return;
    for (const w of s.waiters) w.tell({ _tag: 'Completed', status });
    s.waiters = [];
  }

  /** Sends the pending command when nothing else is under way. */
  function drive(s: State, ctx: ActorContext<SagaMsg>): void {
    if (s.phase !== 'ready' || s.stopping || s.appending !== undefined || s.stepping !== undefined || s.retry !== undefined) return;
    if (s.record.start === null) return;
    const command = pendingCommand(s.record.saga);
    if (command === undefined) return;
    const held = spec.hooks?.onStep?.({
      point: 'before-send',
      sagaId,
      step: s.record.steps,
      phase: s.record.saga.phase,
      command: command._tag,
    });
    if (held && held.delayMs > 0) {
      s.retry = ctx.clock.setTimeout(() => ctx.self.tell({ _tag: 'Wake' }), held.delayMs);
      return;
    }
    const token = ++tokens;
    s.stepping = token;
    const timeoutMs = spec.stepTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)),
    );
    Promise.race([perform(command), timeout])
      .then(
        ({ input, offset }) => ctx.self.tell({ _tag: '$Replied', token, input, offset }),
        (error: unknown) => ctx.self.tell({ _tag: '$StepFailed', token, message: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => clearTimeout(timer));
  }

  function scheduleRetry(s: State, ctx: ActorContext<SagaMsg>): void {
    if (s.retry !== undefined || s.stopping) return;
    const delay = BACKOFF_MS[Math.min(s.attempts, BACKOFF_MS.length - 1)] as number;
    s.attempts++;
    s.retry = ctx.clock.setTimeout(() => ctx.self.tell({ _tag: 'Wake' }), delay);
  }

  function stopNow(s: State, ctx: ActorContext<SagaMsg>): void {
    if (s.retry !== undefined) ctx.clock.clearTimeout(s.retry);
    s.retry = undefined;
    // Unfinished: wake up at the new home (the region buffers this for the shard being handed off),
    // and tell whoever waits that it goes on there.
    if (s.record.start !== null && s.record.saga.phase !== 'completed') {
      effects.wake(sagaId);
      for (const w of s.waiters) w.tell({ _tag: 'Moved' });
      s.waiters = [];
    }
    ctx.stop(ctx.self as ActorRef<never>);
  }

  function handle(s: State, m: SagaMsg, ctx: ActorContext<SagaMsg>): void {
    switch (m._tag) {
      case 'Start': {
        const start = s.record.start;
        if (start === null) {
          // Another Start being written: this one is decided once that is stored.
          if (s.appending !== undefined) return void s.stash.push(m);
          if (m.replyTo) s.waiters.push(m.replyTo);
          append(s, ctx, { _tag: 'AssignmentSagaStarted', version: 1, sagaId, input: m.input, at: now() });
          return;
        }
        const status = statusOf(sagaId, s.record) as AssignmentStatus;
        if (!sameStart(start, m.input)) {
          m.replyTo?.tell({ _tag: 'Conflict', status });
          return;
        }
        if (m.replyTo) s.waiters.push(m.replyTo);
        answerWaiters(s);
        drive(s, ctx);
        return;
      }
      case 'Wake':
        s.retry = undefined;
        drive(s, ctx);
        return;
      case 'GetStatus':
        m.replyTo.tell(statusOf(sagaId, s.record));
        drive(s, ctx);
        return;
      case 'Passivate':
        s.stopping = true;
        if (s.appending === undefined) stopNow(s, ctx);
        return;
      case '$Replied': {
        if (m.token !== s.stepping) return;
        s.stepping = undefined;
        if (s.stopping) return stopNow(s, ctx);
        const command = pendingCommand(s.record.saga);
        spec.hooks?.onStep?.({
          point: 'after-reply',
          sagaId,
          step: s.record.steps,
          phase: s.record.saga.phase,
          command: command?._tag ?? 'ReadAirplane',
        });
        append(s, ctx, {
          _tag: 'AssignmentSagaStepped',
          version: 1,
          sagaId,
          step: s.record.steps + 1,
          input: m.input,
          offset: m.offset,
          at: now(),
        });
        return;
      }
      case '$StepFailed':
        if (m.token !== s.stepping) return;
        s.stepping = undefined;
        if (s.stopping) return stopNow(s, ctx);
        if (s.attempts % 10 === 3)
          ctx.log('warn', `${persistenceId}: step in phase ${s.record.saga.phase} failed (${m.message}); retrying`);
        scheduleRetry(s, ctx);
        return;
      case '$Appended': {
        if (m.token !== s.appending) return;
        s.appending = undefined;
        const event = pendingEvent.get(m.token);
        pendingEvent.delete(m.token);
        if (event) s.record = evolveRecord(s.record, event);
        s.seq = m.seq;
        s.attempts = 0;
        if (s.stopping) return stopNow(s, ctx);
        answerWaiters(s);
        const stashed = s.stash;
        s.stash = [];
        for (const x of stashed) handle(s, x, ctx);
        drive(s, ctx);
        return;
      }
      case '$AppendFailed': {
        if (m.token !== s.appending) return;
        s.appending = undefined;
        pendingEvent.delete(m.token);
        if (m.conflict) {
          // Another incarnation wrote: ours is stale. Stop; the next message recovers a fresh one.
          ctx.log('warn', `${persistenceId}: ${m.message}; stopping to recover from the journal`);
          s.stopping = true;
          return stopNow(s, ctx);
        }
        if (s.record.start === null) {
          // The start itself was not stored: nothing runs; say so rather than let the caller wait.
          for (const w of s.waiters) w.tell({ _tag: 'NotStarted', message: m.message });
          s.waiters = [];
        }
        if (s.stopping) return stopNow(s, ctx);
        // The step's reply is lost with the write: the step is sent again (it is idempotent).
        const stashed = s.stash;
        s.stash = [];
        for (const x of stashed) handle(s, x, ctx);
        scheduleRetry(s, ctx);
        return;
      }
      case '$Recovered':
      case '$RecoveryFailed':
        return;
    }
  }

  return stateful<State, SagaMsg>({
    initial: (ctx) => {
      recover().then(
        ({ record, seq }) => ctx.self.tell({ _tag: '$Recovered', record, seq }),
        (error: unknown) => ctx.self.tell({ _tag: '$RecoveryFailed', message: error instanceof Error ? error.message : String(error) }),
      );
      return {
        phase: 'recovering',
        record: emptyRecord,
        seq: 0,
        stash: [],
        waiters: [],
        appending: undefined,
        stepping: undefined,
        attempts: 0,
        retry: undefined,
        stopping: false,
      };
    },
    receive(s, m, ctx) {
      if (s.phase === 'recovering') {
        if (m._tag === '$Recovered') {
          s.phase = 'ready';
          s.record = m.record;
          s.seq = m.seq;
          if (s.stopping) {
            stopNow(s, ctx);
            return s;
          }
          const stashed = s.stash;
          s.stash = [];
          for (const x of stashed) handle(s, x, ctx);
          drive(s, ctx);
        } else if (m._tag === '$RecoveryFailed') {
          if (s.stopping) {
            ctx.stop(ctx.self as ActorRef<never>);
            return s;
          }
          // The supervisor restarts us with backoff; recovery is retried then. Stashed asks time out.
          throw new Error(`${persistenceId}: recovery failed: ${m.message}`);
        } else if (m._tag === 'Passivate') s.stopping = true;
        else s.stash.push(m);
        return s;
      }
      handle(s, m, ctx);
      return s;
    },
    onStop: (s, ctx) => {
      if (s.retry !== undefined) ctx.clock.clearTimeout(s.retry);
    },
  });
}
