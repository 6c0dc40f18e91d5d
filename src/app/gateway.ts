/**
 * The write side's front door on the main thread: sends a command to its entity through the
 * node's shard region (the entity may live in a worker of this node or on another member, one
 * hop away) and returns the entity's reply. The HTTP layer and the importer call it; it holds no
 * business rules.
 *
 * A command may carry the id of the HTTP request that sent it (`reqId`): the gateway's lines about
 * it (each answer at debug, each retry at debug, a failure other than "not applied" at warn) carry
 * it, so one request's lines can be found together. Nothing is built for a line that is not written.
 */
import pino from 'pino';
import type { Logger } from '../log.ts';
import { ENTITY_STOPPED, isActorStopped, isAskTimeout, isUnavailable, unavailable, type ActorRef } from '../actors/index.ts';
import type { ShardRegion } from '../cluster/index.ts';
import { isOutcomeUnknown } from '../cluster/sharding/errors.ts';
import type { AirplaneCommand, AirplaneState, AirportCommand, AirportState, RotationCommand, RotationState } from '../domain/index.ts';
import {
  HOSTS,
  type AggregateKind,
  type AirplaneMsg,
  type AirplaneReply,
  type AirportMsg,
  type AirportReply,
  type RotationMsg,
  type RotationReply,
} from './aggregates.ts';
import type { AssignmentStatus, SagaMsg, StartInput, StartReply } from './assignment.ts';

export type { AirplaneReply, AirportReply, RotationReply } from './aggregates.ts';

/** The subset of an entity ref the gateway uses: an ask, routed by the region. */
interface Routed<M> {
  ask<R>(make: (replyTo: ActorRef<R>) => M, timeoutMs: number): Promise<R>;
}

/**
 * Retries of a refusal (nothing applied) stop after this long: a shard whose home is partitioned
 * away then answers 503 in under two seconds instead of holding the caller for its whole timeout.
 */
const RETRY_BUDGET_MS = 1_600;
/**
 * The wait between retries doubles from 50 ms up to this. After a kill -9 the shard is ready at
 * its new home in about half a second; an 800 ms step (the doubling unbounded) made the retry that
 * finds it land up to 0.8 s after it was ready.
 */
const MAX_RETRY_DELAY_MS = 200;

/** How a command ended, as /metrics counts it: the entity's reply (accepted, rejected, failed: not
 * stored), or why there was none (unavailable: not applied; outcome_unknown: its member was lost
 * with it in flight; timeout; error: anything else). */
export const COMMAND_OUTCOMES = ['accepted', 'rejected', 'failed', 'unavailable', 'outcome_unknown', 'timeout', 'error'] as const;
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];
/** The aggregates whose commands the gateway counts. */
export type CommandAggregate = 'rotation' | 'airplane' | 'airport';
type OutcomeCounts = Record<CommandOutcome, number>;

const zeroOutcomes = (): OutcomeCounts => Object.fromEntries(COMMAND_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;

function replyOutcome(reply: unknown): CommandOutcome {
  const tag = (reply as { _tag?: unknown } | null)?._tag;
  return tag === 'Accepted' ? 'accepted' : tag === 'Rejected' ? 'rejected' : tag === 'Failed' ? 'failed' : 'error';
}

function errorOutcome(error: unknown): CommandOutcome {
  if (isAskTimeout(error)) return 'timeout';
  if (isOutcomeUnknown(error)) return 'outcome_unknown';
  return isUnavailable(error) || isActorStopped(error) ? 'unavailable' : 'error';
}

function handedOff(reply: unknown): boolean {
  const r = reply as { _tag?: unknown; error?: { _tag?: unknown } } | null;
  return r !== null && typeof r === 'object' && r._tag === 'Failed' && r.error?._tag === ENTITY_STOPPED;
}

export class CommandGateway {
  private readonly counts: Record<CommandAggregate, OutcomeCounts> = {
    rotation: zeroOutcomes(),
    airplane: zeroOutcomes(),
    airport: zeroOutcomes(),
  };

  /**
   * `closed` says why commands cannot be taken now (the journal is known to be unreachable), or
   * undefined: a command then fails at once as not applied (503) instead of waiting for its
   * entity's append to time out.
   */
  constructor(
    readonly region: ShardRegion,
    private readonly timeoutMs = 10_000,
    private readonly closed: () => string | undefined = () => undefined,
    private readonly log: Logger = pino({ level: 'silent' }),
  ) {}

  /** Commands sent through this gateway since start, by aggregate and outcome (read by /metrics;
   * counting one is an increment, nothing more). Entity reads and assignment sagas are not counted. */
  get outcomes(): Readonly<Record<CommandAggregate, Readonly<OutcomeCounts>>> {
    return this.counts;
  }

  /** `counts`: where a command's outcome is counted; `reqId`: the HTTP request that sent it. */
  private ref<M>(kind: AggregateKind, id: string, counts?: OutcomeCounts, reqId?: string): Routed<M> {
    const path = `${HOSTS[kind]}/${id}`;
    return { ask: (make, timeoutMs) => this.routed(path, make, timeoutMs, counts, reqId) };
  }

  /**
   * The region's ask, retried (within the same timeout, for at most RETRY_BUDGET_MS) while the
   * answer says the message was not applied: its shard is moving or its home unreachable
   * (Unavailable), or its entity was stopped for a handoff with the command still queued
   * (ActorStopped, or a Failed reply EntityStopped). A handoff or a failover then costs the
   * caller a short wait instead of an error; anything else is the caller's. In particular an ask
   * whose member was lost after it was sent (OutcomeUnknown) is never retried here: the command
   * may have been applied, and only the client knows whether sending it again is safe.
   */
  private async routed<R>(
    path: string,
    make: (replyTo: ActorRef<R>) => unknown,
    timeoutMs: number,
    counts?: OutcomeCounts,
    reqId?: string,
  ): Promise<R> {
    const reason = this.closed();
    if (reason !== undefined) {
      if (counts) counts.unavailable++;
      if (this.log.isLevelEnabled('debug')) this.log.debug({ reqId, entity: path }, `not sent: the journal is unreachable (${reason})`);
      throw unavailable('the journal', reason);
    }
    const started = Date.now();
    const deadline = started + timeoutMs;
    const retryUntil = Math.min(deadline, started + RETRY_BUDGET_MS);
    for (let attempt = 0; ; attempt++) {
      const delay = Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** attempt);
      const more = Date.now() + delay < retryUntil;
      try {
        const reply = await this.region.ask<R>(path, make, Math.max(1, deadline - Date.now()));
        if (!(more && handedOff(reply))) {
          if (counts) counts[replyOutcome(reply)]++;
          if (counts && this.log.isLevelEnabled('debug'))
            this.log.debug({ reqId, entity: path, outcome: replyOutcome(reply), attempts: attempt + 1 }, 'command answered');
          return reply;
        }
      } catch (error) {
        if (!(isUnavailable(error) || isActorStopped(error)) || !more) {
          const outcome = errorOutcome(error);
          if (counts) counts[outcome]++;
          // Not applied (503, the client may retry) is routine during a handoff; anything else
          // (timeout, outcome unknown, a bug) is worth an operator's look.
          const level = outcome === 'unavailable' ? 'debug' : 'warn';
          if (this.log.isLevelEnabled(level))
            this.log[level]({ reqId, entity: path, outcome, attempts: attempt + 1, err: error }, `${path}: no answer (${outcome})`);
          throw error;
        }
      }
      if (this.log.isLevelEnabled('debug'))
        this.log.debug(
          { reqId, entity: path, attempt: attempt + 1, delayMs: delay },
          `${path}: not applied (moving or unreachable); retrying`,
        );
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  rotation(id: string, command: RotationCommand, reqId?: string): Promise<RotationReply> {
    return this.ref<RotationMsg>('rotation', id, this.counts.rotation, reqId).ask<RotationReply>(
      (replyTo) => ({ _tag: 'Command', command, replyTo }),
      this.timeoutMs,
    );
  }

  airplane(registration: string, command: AirplaneCommand, reqId?: string): Promise<AirplaneReply> {
    return this.ref<AirplaneMsg>('airplane', registration, this.counts.airplane, reqId).ask<AirplaneReply>(
      (replyTo) => ({ _tag: 'Command', command, replyTo }),
      this.timeoutMs,
    );
  }

  airport(iata: string, command: AirportCommand, reqId?: string): Promise<AirportReply> {
    return this.ref<AirportMsg>('airport', iata, this.counts.airport, reqId).ask<AirportReply>(
      (replyTo) => ({ _tag: 'Command', command, replyTo }),
      this.timeoutMs,
    );
  }

  rotationState(id: string): Promise<{ state: RotationState; seq: number }> {
    return this.ref<RotationMsg>('rotation', id).ask((replyTo) => ({ _tag: 'GetState', replyTo }), this.timeoutMs);
  }

  airplaneState(registration: string): Promise<{ state: AirplaneState; seq: number }> {
    return this.ref<AirplaneMsg>('airplane', registration).ask((replyTo) => ({ _tag: 'GetState', replyTo }), this.timeoutMs);
  }

  airportState(iata: string): Promise<{ state: AirportState; seq: number }> {
    return this.ref<AirportMsg>('airport', iata).ask((replyTo) => ({ _tag: 'GetState', replyTo }), this.timeoutMs);
  }

  /**
   * Starts (or joins: the same id with the same input) an assignment saga and waits up to
   * `timeoutMs` for it to complete. The saga goes on without the caller: a timeout here says
   * nothing about its outcome (ask assignmentStatus).
   */
  startAssignment(input: StartInput, timeoutMs = this.timeoutMs, reqId?: string): Promise<StartReply> {
    return this.ref<SagaMsg>('assignment', input.sagaId, undefined, reqId).ask<StartReply>(
      (replyTo) => ({ _tag: 'Start', input, replyTo }),
      timeoutMs,
    );
  }

  /** A saga's status (null: no saga of that id was ever started). Asking also resumes an unfinished one. */
  assignmentStatus(sagaId: string, timeoutMs = this.timeoutMs): Promise<AssignmentStatus | null> {
    return this.ref<SagaMsg>('assignment', sagaId).ask<AssignmentStatus | null>((replyTo) => ({ _tag: 'GetStatus', replyTo }), timeoutMs);
  }

  /** Tells a saga to resume if it is unfinished and idle (the keeper). */
  wakeAssignment(sagaId: string): void {
    this.region.tell(`${HOSTS.assignment}/${sagaId}`, { _tag: 'Wake' } satisfies SagaMsg);
  }
}
