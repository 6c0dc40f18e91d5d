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
  private readonly all = new Map<string, V>();
  private readonly rotationsOf = new Map<string, readonly string[]>();
  private readonly byRotation = new Map<string, Set<string>>();
  private sortedCache: V[] | null = [];

  constructor(private readonly keyOf: (v: V) => SortKey) {}

  get size(): number {
    return this.all.size;
  }

  set(key: string, rotationIds: readonly string[], v: V): void {
    this.delete(key);
    this.all.set(key, v);
    this.rotationsOf.set(key, rotationIds);
    for (const r of rotationIds) {
      let s = this.byRotation.get(r);
      if (!s) this.byRotation.set(r, (s = new Set()));
      s.add(key);
    }
    this.sortedCache = null;
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
  }

  sorted(): readonly V[] {
    if (this.sortedCache === null) {
      const keyOf = this.keyOf;
      this.sortedCache = [...this.all.values()].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    }
    return this.sortedCache;
  }

  /** The violations involving one rotation, in sort order. */
  ofRotation(rotationId: string): readonly V[] {
    const keys = this.byRotation.get(rotationId);
    if (!keys) return [];
    const keyOf = this.keyOf;
    return [...keys].map((k) => this.all.get(k) as V).sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  }
}
