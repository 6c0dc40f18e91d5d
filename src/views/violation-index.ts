/**
 * A set of maintained violations, indexed for the queries: by key (to replace or drop one when
 * its pair or bucket changes), by rotation (the rotation filter), and in sort order (paging).
 *
 * The sorted array is rebuilt lazily on the first query after a change: during a rebuild the set
 * changes many times and is read never, and under live updates violations are few (tens to
 * hundreds), so a re-sort on read costs microseconds while a sorted tree would tax every write.
 */
import { compareKeys, type SortKey } from './violations.ts';

export class ViolationIndex<V> {
  /** Each violation with its sort key, computed once on set rather than on every comparison. */
  private readonly all = new Map<string, { readonly v: V; readonly k: SortKey }>();
  private readonly rotationsOf = new Map<string, readonly string[]>();
  private readonly byRotation = new Map<string, Set<string>>();
  private sortedCache: V[] | null = [];
  /** Bumped on every change: answers cached against it stay valid while it stands still. */
  version = 0;

  constructor(private readonly keyOf: (v: V) => SortKey) {}

  get size(): number {
    return this.all.size;
  }

  set(key: string, rotationIds: readonly string[], v: V): void {
    this.delete(key);
    this.all.set(key, { v, k: this.keyOf(v) });
    this.rotationsOf.set(key, rotationIds);
    for (const r of rotationIds) {
      let s = this.byRotation.get(r);
      if (!s) this.byRotation.set(r, (s = new Set()));
      s.add(key);
    }
    this.sortedCache = null;
    this.version++;
  }

  delete(key: string): void {
    if (!this.all.delete(key)) return;
    for (const r of this.rotationsOf.get(key) ?? []) {
      const s = this.byRotation.get(r);
      s?.delete(key);
      if (s?.size === 0) this.byRotation.delete(r);
    }
    this.rotationsOf.delete(key);
    this.sortedCache = null;
    this.version++;
  }

  sorted(): readonly V[] {
    if (this.sortedCache === null) this.sortedCache = [...this.all.values()].sort((a, b) => compareKeys(a.k, b.k)).map((e) => e.v);
    return this.sortedCache;
  }

  /** The violations involving one rotation, in sort order. */
  ofRotation(rotationId: string): readonly V[] {
    const keys = this.byRotation.get(rotationId);
    if (!keys) return [];
    return [...keys]
      .map((k) => this.all.get(k) as { v: V; k: SortKey })
      .sort((a, b) => compareKeys(a.k, b.k))
      .map((e) => e.v);
  }
}

/**
 * Violations of consecutive-leg pairs, grouped by rotation and keyed by the pair's first leg.
 * Two levels instead of one `rotation + leg` string key: every leg change probes this index (most
 * often to find nothing), and a concatenated key would have to be built and hashed on each probe,
 * while the two ids are existing strings whose hashes are cached.
 */
export class PairIndex<V> {
  private readonly byRotation = new Map<string, Map<string, V>>();
  private count = 0;
  private sortedCache: V[] | null = [];
  /** Bumped on every change: answers cached against it stay valid while it stands still. */
  version = 0;

  constructor(private readonly compare: (a: V, b: V) => number) {}

  get size(): number {
    return this.count;
  }

  set(rotationId: string, legId: string, v: V): void {
    let m = this.byRotation.get(rotationId);
    if (!m) this.byRotation.set(rotationId, (m = new Map()));
    const had = m.has(legId);
    m.set(legId, v);
    if (!had) this.count++;
    this.sortedCache = null;
    this.version++;
  }

  delete(rotationId: string, legId: string): void {
    const m = this.byRotation.get(rotationId);
    if (m === undefined || !m.delete(legId)) return;
    this.count--;
    if (m.size === 0) this.byRotation.delete(rotationId);
    this.sortedCache = null;
    this.version++;
  }

  sorted(): readonly V[] {
    if (this.sortedCache === null) {
      const all: V[] = [];
      for (const m of this.byRotation.values()) for (const v of m.values()) all.push(v);
      this.sortedCache = all.sort(this.compare);
    }
    return this.sortedCache;
  }

  ofRotation(rotationId: string): readonly V[] {
    const m = this.byRotation.get(rotationId);
    if (!m) return [];
    return [...m.values()].sort(this.compare);
  }
}
