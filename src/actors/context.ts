/**
 * What a behaviour sees of the runtime (`ctx` in `receive`): one small object per actor rather
 * than a bag of closures, which matters at a million idle actors.
 */
import type { ActorContext, Behavior, SpawnOptions, StopReason } from './behavior.ts';
import type { Cell } from './cell.ts';
import type { Clock } from './clock.ts';
import type { ActorRef, AnyRef } from './ref.ts';

/**
 * What a context needs from its thread's runtime. The ActorSystem implements it; declared here so
 * that this module does not depend on the system it serves.
 */
export interface ContextHost {
  readonly clock: Clock;
  spawnCell(parent: Cell | undefined, behavior: Behavior<unknown>, options: SpawnOptions): Cell;
  watch(watcher: Cell, target: AnyRef): void;
  unwatch(watcher: Cell, target: AnyRef): void;
  stopCell(cell: Cell, reason: StopReason): void;
  /** The cell of a ref that lives in this thread, if it is alive. */
  localCell(ref: AnyRef): Cell | undefined;
  logLine(level: 'debug' | 'info' | 'warn' | 'error', line: string): void;
}

/** The `ctx` of one actor: its side of the runtime, bound to its cell. */
export class CellContext implements ActorContext<unknown> {
  constructor(
    private readonly system: ContextHost,
    private readonly cell: Cell,
  ) {}

  get self(): ActorRef<unknown> {
    return this.cell.ref;
  }

  get parent(): AnyRef | undefined {
    return this.cell.parent?.ref as AnyRef | undefined;
  }

  get sender(): AnyRef | undefined {
    return this.cell.currentSender;
  }

  get clock(): Clock {
    return this.system.clock;
  }

  spawn<C>(behavior: Behavior<C>, options: SpawnOptions = {}): ActorRef<C> {
    return this.system.spawnCell(this.cell, behavior as unknown as Behavior<unknown>, options).ref as ActorRef<C>;
  }

  watch(target: AnyRef): void {
    this.system.watch(this.cell, target);
  }

  unwatch(target: AnyRef): void {
    this.system.unwatch(this.cell, target);
  }

  children(): readonly string[] {
    return this.cell.hasChildren ? [...this.cell.children.keys()] : [];
  }

  child(name: string): AnyRef | undefined {
    const c = this.cell.hasChildren ? this.cell.children.get(name) : undefined;
    return c?.ref as AnyRef | undefined;
  }

  stopChild(name: string): boolean {
    const c = this.cell.hasChildren ? this.cell.children.get(name) : undefined;
    if (c === undefined) return false;
    this.system.stopCell(c, 'stopped');
    return true;
  }

  stop(target: AnyRef): void {
    const c = this.system.localCell(target);
    if (c && (c === this.cell || c.parent === this.cell)) this.system.stopCell(c, 'stopped');
  }

  passivate(): void {
    this.cell.passivateRequested = true;
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.system.logLine(level, `${this.cell.path}: ${message}`);
  }
}
