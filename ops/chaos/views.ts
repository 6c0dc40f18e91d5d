/**
 * Check 4: every node's view replica equals a fresh rebuild of the journal.
 *
 * Before the nodes stop, each one is asked for the full answer of the three checks (every page,
 * `minOffset` = the journal head, so the replica first catches up); the answer says which feed
 * offset it reflects. After the nodes stop, a fresh MemoryScheduleView (the same read model the
 * replicas run, itself held to the pure domain oracle by test/views) is built from the journal
 * up to that offset and asked the same. Equal answers mean the replica saw every event once, in
 * order, however its node was killed, paused, cut off or restarted.
 */
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { MemoryScheduleView, type CheckFilters, type Page, type ScheduleView } from '../../src/views/index.ts';
import type { NodeProcess } from './node-process.ts';

export const CHECKS = ['continuity', 'ground-time', 'designators'] as const;
export type CheckPath = (typeof CHECKS)[number];

export interface ReplicaAnswer {
  readonly node: string;
  readonly check: CheckPath;
  /** The feed offset the answer reflects; undefined when the node did not answer. */
  readonly offset: number | undefined;
  readonly violations: readonly unknown[];
  readonly error?: string;
}

export interface ViewComparison {
  readonly node: string;
  readonly check: CheckPath;
  readonly offset: number | undefined;
  readonly violations: number;
  readonly equal: boolean;
  readonly detail?: string;
}

/** Every page of one check from one node, all at one offset (retried if the offset moved between pages). */
export async function replicaAnswer(node: NodeProcess, check: CheckPath, minOffset: number): Promise<ReplicaAnswer> {
  let error = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const violations: unknown[] = [];
      let offset: number | undefined;
      let cursor: string | null = null;
      for (let guard = 0; guard < 10_000; guard++) {
        const q = `/api/checks/${check}?limit=1000&minOffset=${minOffset}&timeoutMs=30000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const r = await node.get(q, 40_000);
        if (r.status !== 200) throw new Error(`GET ${q} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
        const page = r.body as Page<unknown>;
        if (offset !== undefined && page.offset !== offset)
          throw new Error(`the answer moved from offset ${offset} to ${page.offset} between pages`);
        offset = page.offset;
        violations.push(...page.violations);
        if ((cursor = page.next) === null) return { node: node.name, check, offset, violations };
      }
      throw new Error('paging did not end');
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  return { node: node.name, check, offset: undefined, violations: [], error };
}

export async function allPages(view: ScheduleView, check: CheckPath): Promise<unknown[]> {
  const q = (f: CheckFilters): Promise<Page<unknown>> =>
    check === 'continuity' ? view.continuity(f) : check === 'ground-time' ? view.groundTime(f) : view.designators(f);
  const out: unknown[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = await q({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...p.violations);
    if (p.next === null) return out;
    cursor = p.next;
  }
}

/** JSON with object keys sorted, so equal answers compare equal whatever order keys were built in. */
export function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The three answers of a fresh view over the feed up to `offset`. */
export async function rebuild(feed: readonly EventEnvelope[], offset: number): Promise<Record<CheckPath, unknown[]>> {
  const view = new MemoryScheduleView();
  view.applyNow(feed.filter((e) => e.offset <= offset));
  const out = {
    continuity: await allPages(view, 'continuity'),
    'ground-time': await allPages(view, 'ground-time'),
    designators: await allPages(view, 'designators'),
  };
  await view.close();
  return out;
}

export async function compareViews(answers: readonly ReplicaAnswer[], feed: readonly EventEnvelope[]): Promise<ViewComparison[]> {
  const rebuilt = new Map<number, Record<CheckPath, unknown[]>>();
  const out: ViewComparison[] = [];
  for (const a of answers) {
    if (a.offset === undefined) {
      out.push({
        node: a.node,
        check: a.check,
        offset: undefined,
        violations: 0,
        equal: false,
        detail: `no answer: ${a.error ?? 'unknown error'}`,
      });
      continue;
    }
    let fresh = rebuilt.get(a.offset);
    if (!fresh) rebuilt.set(a.offset, (fresh = await rebuild(feed, a.offset)));
    const want = fresh[a.check];
    const equal = canonical(a.violations) === canonical(want);
    let detail: string | undefined;
    if (!equal) {
      const got = new Set(a.violations.map(canonical));
      const wanted = new Set(want.map(canonical));
      const missing = want.filter((v) => !got.has(canonical(v))).length;
      const extra = a.violations.filter((v) => !wanted.has(canonical(v))).length;
      detail = `${a.violations.length} violations against ${want.length} in the rebuild: ${missing} missing, ${extra} extra${missing + extra === 0 ? ' (same set, other order)' : ''}`;
    }
    out.push({ node: a.node, check: a.check, offset: a.offset, violations: a.violations.length, equal, ...(detail ? { detail } : {}) });
  }
  return out;
}
