/**
 * The runtime side of supervision: what happens to a cell whose behaviour threw. supervision.ts
 * decides (a pure function of the strategy and the restart history); this module carries the
 * decision out: resume the cell, stop it, restart it (and, for all-for-one, its siblings) after
 * the backoff, or fail its supervisor in turn.
 *
 * A top-level actor's supervisor is the thread's guardian, which has no cell: its strategy comes
 * from `SystemOptions.guardian` and its restart history is kept here.
 */
import type { StopReason } from './behavior.ts';
import type { Cell } from './cell.ts';
import type { Clock } from './clock.ts';
import { describeError } from './errors.ts';
import { decideFailure, oneForOne, type SupervisorStrategy } from './supervision.ts';

/** What the supervisor needs from its thread's runtime; the ActorSystem implements it. */
export interface SupervisorHost {
  readonly clock: Clock;
  logLine(level: 'debug' | 'info' | 'warn' | 'error', line: string): void;
  stopCell(cell: Cell, reason: StopReason): void;
  /** Finishes the turn of a cell that resumed: next messages, or idle. */
  endTurn(cell: Cell): void;
  /** Gives a cell a turn token, so that its mailbox is drained. */
  schedule(cell: Cell): void;
}

/** Carries out supervision decisions for the cells of one thread. */
export class Supervisor {
  private guardianHistory: readonly number[] = [];

  constructor(
    private readonly host: SupervisorHost,
    private readonly guardian: SupervisorStrategy,
    /** The guardian's children: the siblings of a failed top-level actor. */
    private readonly topLevel: ReadonlyMap<string, Cell>,
  ) {}

  /** `cell` threw `error` (in `initial`, `receive` or an awaited handler): its supervisor decides. */
  fail(cell: Cell, error: unknown): void {
    if (cell.status === 'stopped') return;
    cell.status = 'suspended';
    cell.generation++;
    const supervisor = cell.parent;
    const strategy = supervisor?.options.supervisor ?? (supervisor ? oneForOne() : this.guardian);
    const history = supervisor ? supervisor.restartHistory : this.guardianHistory;
    const plan = decideFailure(strategy, error, history, this.host.clock.now());
    this.host.logLine('warn', `${cell.path} failed: ${describeError(error)}; ${plan._tag.toLowerCase()}`);
    switch (plan._tag) {
      case 'Resume':
        cell.status = 'running';
        this.host.endTurn(cell);
        return;
      case 'Stop':
        return this.host.stopCell(cell, 'failed');
      case 'Restart': {
        if (supervisor) supervisor.restartHistory = plan.history;
        else this.guardianHistory = plan.history;
        const siblings = plan.scope === 'one' ? [cell] : [...(supervisor ? supervisor.children : this.topLevel).values()];
        for (const s of siblings) {
          if (s.status === 'running') {
            s.status = 'suspended';
            s.generation++;
          }
        }
        this.host.clock.setTimeout(() => {
          for (const s of siblings) this.restart(s);
        }, plan.delayMs);
        return;
      }
      case 'Escalate':
        if (supervisor === undefined) {
          this.host.logLine('error', `${cell.path}: failure escalated to the guardian (${plan.reason}); stopping it`);
          return this.host.stopCell(cell, 'failed');
        }
        // The supervisor fails in turn; its own supervisor decides, and a restart of it stops this child.
        return this.fail(supervisor, error);
      default: {
        const unknown: never = plan;
        throw new Error(`unknown plan ${String(unknown)}`);
      }
    }
  }

  /** A new incarnation: children stopped, state from `initial`, the mailbox kept. */
  private restart(cell: Cell): void {
    if (cell.status === 'stopped') return;
    if (cell.hasChildren) for (const child of [...cell.children.values()]) this.host.stopCell(child, 'parent-stopped');
    cell.generation++;
    cell.passivateRequested = false;
    cell.status = 'running';
    cell.lastActive = this.host.clock.now();
    try {
      cell.state = cell.behavior.initial(cell.ctx);
    } catch (error) {
      return this.fail(cell, error);
    }
    // A token may still be with nact from before the failure; a fresh one is harmless (the turn
    // of an idle cell does nothing) and a missing one would strand the mailbox.
    if (cell.queued > 0) this.host.schedule(cell);
    else cell.scheduled = false;
  }
}
