/**
 * Schema evolution: upcasters lift stored events of an old version to the current one on read
 * (replay and feed alike), so `evolve` and the views only ever see current versions. Stored
 * bytes are never rewritten.
 *
 *   const upcasters = new Upcasters()
 *     .register('LegAdded', 1, (v1) => ({ ...v1, version: 2, suffix: v1.suffix ?? '' }));
 *
 * An upcaster registered for (type, n) turns version n into n + 1; they chain. The current
 * version of a type is one past its highest upcaster (or what `declare` says). Reading a
 * version newer than current (written by newer code) fails with UnknownEvent rather than
 * feeding a shape this code does not understand; with `strict`, so does an undeclared type.
 */
import { CorruptEvent, UnknownEvent } from './errors.ts';
import type { JournalEvent } from './journal.ts';

/** Turns an event of version n into version n + 1. */
export type Upcaster = (event: JournalEvent) => JournalEvent;

/** Where the event being upcast was stored, for error messages. */
export interface UpcastContext {
  readonly persistenceId: string;
  readonly seq: number;
  readonly offset: number;
}

/** The upcasters of a journal (`EventJournalOptions.upcasters`): see the module comment. */
export class Upcasters {
  private readonly steps = new Map<string, Map<number, Upcaster>>();
  private readonly current = new Map<string, number>();

  /** @param strict reject events whose type was never registered or declared */
  constructor(private readonly strict = false) {}

  /** Adds the step from `fromVersion` to `fromVersion + 1` for events of `type`; chains. */
  register(type: string, fromVersion: number, upcast: Upcaster): this {
    if (!Number.isInteger(fromVersion) || fromVersion < 1) throw new RangeError(`fromVersion must be >= 1, got ${fromVersion}`);
    let byVersion = this.steps.get(type);
    if (!byVersion) this.steps.set(type, (byVersion = new Map()));
    if (byVersion.has(fromVersion)) throw new Error(`upcaster ${type} v${fromVersion} registered twice`);
    byVersion.set(fromVersion, upcast);
    this.current.set(type, Math.max(this.current.get(type) ?? 1, fromVersion + 1));
    return this;
  }

  /** Declares a type and its current version without upcasters (needed only in strict mode or
   * to make versions above 1 known before the first upcaster exists). */
  declare(type: string, currentVersion: number): this {
    this.current.set(type, Math.max(this.current.get(type) ?? 1, currentVersion));
    return this;
  }

  /** False when `upcast` would hand the event back unchanged (the hot path on every read). */
  applies(type: string, version: number): boolean {
    const current = this.current.get(type);
    return current === undefined ? this.strict : current !== version;
  }

  /** The version events of `type` are lifted to; undefined for a type never registered or declared. */
  currentVersion(type: string): number | undefined {
    return this.current.get(type);
  }

  /** Lifts `event` (stored as `version`) to the current version of its type. */
  upcast(event: JournalEvent, version: number, at: UpcastContext): { event: JournalEvent; version: number } {
    const type = event._tag;
    const current = this.current.get(type);
    if (current === undefined) {
      if (this.strict) throw new UnknownEvent(at.persistenceId, at.seq, at.offset, type, version);
      return { event, version };
    }
    if (version > current) throw new UnknownEvent(at.persistenceId, at.seq, at.offset, type, version);
    let e = event;
    let v = version;
    const byVersion = this.steps.get(type);
    while (v < current) {
      const step = byVersion?.get(v);
      if (!step) throw new UnknownEvent(at.persistenceId, at.seq, at.offset, type, v);
      try {
        e = step(e);
      } catch (err) {
        throw new CorruptEvent(at.persistenceId, at.seq, at.offset, `upcasting ${type} v${v} failed: ${(err as Error).message}`);
      }
      v += 1;
      // The upcaster's result is the new event; keep its version field honest for evolve().
      if (e.version !== v) e = { ...e, version: v };
    }
    return { event: e, version: v };
  }
}
