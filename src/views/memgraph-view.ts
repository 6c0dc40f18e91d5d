/**
 * The schedule view on Memgraph (Bolt, neo4j-driver): the same contract as the embedded view, the
 * graph and the checks in Cypher (memgraph-cypher.ts). Each `apply` is one write transaction that
 * reads the dedup rows of the batch's aggregates, applies the new events as UNWIND batches (one
 * statement per run of same-type events, so order within each aggregate holds) and writes the
 * dedup rows and the offset: graph, filter and offset commit together or not at all.
 *
 * Queries run the check in Cypher and shape each row with the same builders as the embedded view,
 * so both answer identical objects; sorting and paging happen here, over the check's result (a
 * check returns violations, which are few; the graph scan is the database's work).
 * The database is the view's own: `reset` wipes it.
 */
import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import { designatorKey, type DomainEvent, type Leg, type ScheduleRotation } from '../domain/index.ts';
import type { EventEnvelope } from '../persistence/index.ts';
import type { AirplaneView, ApplyResult, CheckFilters, Page, ScheduleView, ViewContinuity, ViewCounters, ViewDesignator, ViewGroundTime } from './contract.ts';
import * as Q from './memgraph-cypher.ts';
import { ViewUnavailable } from './errors.ts';
import { compareKeys, continuityViolation, designatorSortKey, designatorViolation, groundTimeViolation, page, pairKey } from './violations.ts';

export interface MemgraphOptions {
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  /** Wipe the database first (tests, a rebuild from offset 0). */
  readonly reset?: boolean;
}

type Props = Record<string, unknown>;

/** A Leg from a node's properties, with the domain's field order (answers compare as JSON). */
function toLeg(node: unknown): Leg {
  const p = ((node as { properties?: Props }).properties ?? node) as Props;
  return {
    id: p['id'] as string, carrier: p['carrier'] as string, flightNumber: Number(p['flightNumber']), suffix: p['suffix'] as string,
    dateOfOrigin: p['dateOfOrigin'] as string, departureAirport: p['departureAirport'] as string, arrivalAirport: p['arrivalAirport'] as string,
    departureUtc: Number(p['departureUtc']), arrivalUtc: Number(p['arrivalUtc']),
  };
}

const num = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));

export class MemgraphScheduleView implements ScheduleView {
  private constructor(private readonly driver: Driver) {}

  static async open(o: MemgraphOptions): Promise<MemgraphScheduleView> {
    const driver = neo4j.driver(o.url, neo4j.auth.basic(o.user ?? '', o.password ?? ''), { disableLosslessIntegers: true });
    try {
      await driver.verifyConnectivity();
    } catch (e) {
      await driver.close();
      throw new ViewUnavailable(`Memgraph at ${o.url} is not reachable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const view = new MemgraphScheduleView(driver);
    const session = driver.session();
    try {
      if (o.reset) await session.run(Q.RESET);
      // Index creation is not allowed inside explicit transactions in Memgraph: auto-commit each.
      for (const s of Q.SCHEMA) await session.run(s).catch(() => undefined); // exists already
    } finally {
      await session.close();
    }
    return view;
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.driver.session();
    try {
      return await session.executeRead(work);
    } finally {
      await session.close();
    }
  }

  async apply(batch: readonly EventEnvelope[]): Promise<ApplyResult> {
    const session = this.driver.session();
    try {
      return await session.executeWrite(async (tx) => {
        const pids = [...new Set(batch.map((e) => e.persistenceId))];
        const last = new Map<string, number>();
        for (const r of (await tx.run(Q.READ_DEDUP, { pids })).records) last.set(r.get('pid') as string, Number(r.get('seq')));
        const state = (await tx.run(Q.READ_STATE)).records[0];
        let offset = num(state?.get('offset')) ?? 0;
        let applied = 0;
        let duplicates = 0;
        let gaps = 0;
        const runs: { tag: string; rows: Props[] }[] = [];
        for (const env of batch) {
          if (env.offset > offset) offset = env.offset;
          const seen = last.get(env.persistenceId) ?? 0;
          if (env.seq <= seen) {
            duplicates++;
            continue;
          }
          if (env.seq > seen + 1) gaps++;
          last.set(env.persistenceId, env.seq);
          applied++;
          const e = env.event as unknown as DomainEvent;
          if (Q.WRITE[e._tag] === undefined) continue;
          const row: Props = { ...e, offset: env.offset, ...(e._tag === 'LegAdded' ? { dkey: designatorKey(e.leg) } : {}) };
          const tail = runs[runs.length - 1];
          if (tail?.tag === e._tag) tail.rows.push(row);
          else runs.push({ tag: e._tag, rows: [row] });
        }
        for (const run of runs) for (const stmt of Q.WRITE[run.tag] ?? []) await tx.run(stmt, { rows: run.rows });
        await tx.run(Q.WRITE_DEDUP, { rows: pids.map((pid) => ({ pid, seq: last.get(pid) ?? 0 })) });
        await tx.run(Q.WRITE_STATE, { offset, applied, duplicates, gaps });
        return { applied, duplicates, gaps, offset };
      });
    } finally {
      await session.close();
    }
  }

  private async offsetNow(): Promise<number> {
    return this.read(async (tx) => num((await tx.run(Q.READ_STATE)).records[0]?.get('offset')) ?? 0);
  }

  async continuity(f: CheckFilters = {}): Promise<Page<ViewContinuity>> {
    const [rows, offset] = await Promise.all([this.read((tx) => tx.run(Q.CHECK_CONTINUITY, { rotationId: f.rotationId ?? null })), this.offsetNow()]);
    const vs = rows.records.map((r) => continuityViolation(r.get('rotationId') as string, (r.get('registration') as string | null) ?? null, toLeg(r.get('previous')), toLeg(r.get('next'))));
    return page(vs.sort((a, b) => compareKeys(pairKey(a), pairKey(b))), pairKey, f, offset);
  }

  async groundTime(f: CheckFilters = {}): Promise<Page<ViewGroundTime>> {
    const [rows, offset] = await Promise.all([this.read((tx) => tx.run(Q.CHECK_GROUND_TIME, { rotationId: f.rotationId ?? null })), this.offsetNow()]);
    const vs = rows.records.map((r) => {
      const registration = (r.get('registration') as string | null) ?? null;
      const airportMgt = num(r.get('airportMgt'));
      return groundTimeViolation(r.get('rotationId') as string, registration, toLeg(r.get('previous')), toLeg(r.get('next')), airportMgt ?? undefined, registration === null ? null : num(r.get('airplaneMgt')));
    });
    return page(vs.sort((a, b) => compareKeys(pairKey(a), pairKey(b))), pairKey, f, offset);
  }

  async designators(f: CheckFilters = {}): Promise<Page<ViewDesignator>> {
    const [rows, offset] = await Promise.all([this.read((tx) => tx.run(Q.CHECK_DESIGNATORS, { rotationId: f.rotationId ?? null })), this.offsetNow()]);
    const vs = rows.records.map((r) => designatorViolation((r.get('legs') as { rotationId: string; leg: unknown }[]).map((x) => ({ rotationId: x.rotationId, leg: toLeg(x.leg) }))));
    return page(vs.sort((a, b) => compareKeys(designatorSortKey(a), designatorSortKey(b))), designatorSortKey, f, offset);
  }

  async rotation(rotationId: string): Promise<ScheduleRotation | null> {
    const r = (await this.read((tx) => tx.run(Q.READ_ROTATION, { rotationId }))).records[0];
    if (!r) return null;
    return { rotationId, legs: (r.get('legs') as unknown[]).map(toLeg), registration: (r.get('registration') as string | null) ?? null };
  }

  async airplane(registration: string): Promise<AirplaneView | null> {
    const r = (await this.read((tx) => tx.run(Q.READ_AIRPLANE, { registration }))).records[0];
    if (!r) return null;
    return { registration, aircraftType: r.get('aircraftType') as string, minimumGroundTimeMin: Number(r.get('mgt')), rotationId: (r.get('rotationId') as string | null) ?? null };
  }

  offset(): Promise<number> {
    return this.offsetNow();
  }

  async counters(): Promise<ViewCounters> {
    const r = (await this.read((tx) => tx.run(Q.READ_STATE))).records[0];
    return { applied: num(r?.get('applied')) ?? 0, duplicates: num(r?.get('duplicates')) ?? 0, gaps: num(r?.get('gaps')) ?? 0 };
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
