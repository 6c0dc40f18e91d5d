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
 *
 * It runs on Memgraph and on Neo4j 5 (the live test server): the Cypher dialect is chosen from the
 * server's agent string on connect (memgraph-cypher.ts says what differs). A server that is down
 * or restarting makes `apply` and the queries fail with ViewUnavailable (retriable) once the
 * driver's own retries (`retryMs`) are spent; offset and dedup filter live in the database, so a
 * projection resumes at `offset() + 1` and a redelivered batch changes nothing.
 */
import neo4j, { type Driver, type ManagedTransaction, type QueryResult } from 'neo4j-driver';
import { designatorKey, type DomainEvent, type Leg, type ScheduleRotation } from '../domain/index.ts';
import type { EventEnvelope } from '../persistence/index.ts';
import type {
  AirplaneView,
  ApplyResult,
  CheckFilters,
  Page,
  ScheduleView,
  ViewContinuity,
  ViewCounters,
  ViewDesignator,
  ViewEquipment,
  ViewGroundTime,
} from './contract.ts';
import * as Q from './memgraph-cypher.ts';
import { ViewUnavailable } from './errors.ts';
import {
  compareKeys,
  continuityViolation,
  designatorSortKey,
  designatorViolation,
  equipmentViolation,
  groundTimeViolation,
  legKey,
  page,
  pairKey,
} from './violations.ts';

export interface MemgraphOptions {
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  /** Wipe the database first (tests, a rebuild from offset 0). */
  readonly reset?: boolean;
  /**
   * How long the driver retries a transaction that failed retriably (connection lost, server
   * restarting) before the call fails with ViewUnavailable; default 5,000 ms. The driver's own
   * default (30 s) would hold a projection and its queries that long with no sign of trouble.
   */
  readonly retryMs?: number;
}

type Props = Record<string, unknown>;

/** The Leg's keys for a node written before legs carried `fields`. */
const LEG_FIELDS = [
  'id',
  'carrier',
  'flightNumber',
  'suffix',
  'dateOfOrigin',
  'departureAirport',
  'arrivalAirport',
  'departureUtc',
  'arrivalUtc',
];

/**
 * A Leg from a node's properties: the keys its LegAdded carried, in that order (answers compare
 * as JSON with the oracle's), a missing property read as null (neither server stores a null).
 * Built from the stored key list rather than a fixed one, so a field added to the domain's Leg
 * reaches the answers without a change here; hence the cast at the end.
 */
function toLeg(node: unknown): Leg {
  const p = ((node as { properties?: Props }).properties ?? node) as Props;
  const fields = Array.isArray(p.fields) ? (p.fields as unknown[]).map(String) : LEG_FIELDS;
  const leg: Props = {};
  for (const f of fields) leg[f] = p[f] ?? null;
  return leg as unknown as Leg;
}

const num = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * A failure of the server or the link rather than of the statement: connection refused or lost
 * (ServiceUnavailable, SessionExpired) or a transient server state (a database stopping or
 * starting). Retrying later can succeed; a syntax or constraint error cannot, and stays as it is.
 */
function isUnavailable(e: unknown): boolean {
  if (neo4j.isRetryableError(e)) return true;
  const code = (e as { code?: unknown }).code;
  return (
    code === neo4j.error.SERVICE_UNAVAILABLE ||
    code === neo4j.error.SESSION_EXPIRED ||
    (typeof code === 'string' && code.startsWith('Neo.TransientError.'))
  );
}

/** One run of same-type events: one statement (per entry of WRITE[tag]) over its rows. */
export interface WriteRun {
  readonly tag: string;
  readonly rows: Record<string, unknown>[];
  /** The aggregates in this run, for ONE_PER_AGGREGATE tags. */
  readonly pids: Set<string>;
}

export interface BatchPlan {
  readonly runs: WriteRun[];
  readonly applied: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly offset: number;
  /** Last seq per aggregate after the batch (the Dedup rows to write). */
  readonly last: ReadonlyMap<string, number>;
}

/**
 * What a batch does to the graph, given the dedup filter's rows for its aggregates and the stored
 * offset: duplicates dropped (counted), gaps applied (counted), the rest grouped into runs of
 * same-type events in feed order. A run of a ONE_PER_AGGREGATE tag is cut where its aggregate
 * repeats. Pure, so the unit test checks it without a server.
 */
export function planBatch(batch: readonly EventEnvelope[], lastSeq: ReadonlyMap<string, number>, storedOffset: number): BatchPlan {
  const last = new Map(lastSeq);
  let offset = storedOffset;
  let applied = 0;
  let duplicates = 0;
  let gaps = 0;
  const runs: WriteRun[] = [];
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
    const row: Props = {
      ...e,
      offset: env.offset,
      ...(e._tag === 'LegAdded' ? { dkey: designatorKey(e.leg), fields: Object.keys(e.leg) } : {}),
    };
    const tail = runs[runs.length - 1];
    if (tail?.tag === e._tag && !(Q.ONE_PER_AGGREGATE.has(e._tag) && tail.pids.has(env.persistenceId))) {
      tail.rows.push(row);
      tail.pids.add(env.persistenceId);
    } else runs.push({ tag: e._tag, rows: [row], pids: new Set([env.persistenceId]) });
  }
  return { runs, applied, duplicates, gaps, offset, last };
}

export class MemgraphScheduleView implements ScheduleView {
  private constructor(
    private readonly driver: Driver,
    private readonly dialectName: Q.Dialect,
  ) {}

  static async open(o: MemgraphOptions): Promise<MemgraphScheduleView> {
    const driver = neo4j.driver(o.url, neo4j.auth.basic(o.user ?? '', o.password ?? ''), {
      disableLosslessIntegers: true,
      maxTransactionRetryTime: o.retryMs ?? 5_000,
      // Fail a call fast while the server is away instead of queueing for the default 60 s.
      connectionAcquisitionTimeout: Math.max(5_000, o.retryMs ?? 5_000),
    });
    let dialect: Q.Dialect;
    try {
      dialect = Q.dialectOf((await driver.getServerInfo()).agent);
    } catch (e) {
      await driver.close();
      if (isUnavailable(e)) throw new ViewUnavailable(`Memgraph at ${o.url} is not reachable: ${message(e)}`);
      throw e;
    }
    const view = new MemgraphScheduleView(driver, dialect);
    try {
      await view.guard('preparing the schema', async () => {
        const session = driver.session();
        try {
          if (o.reset) for (const s of Q.reset(dialect)) await session.run(s);
          for (const s of Q.schema(dialect)) {
            if (dialect === 'neo4j') await session.run(s);
            // Memgraph's index DDL has no IF NOT EXISTS: a repeat on an existing database fails.
            else
              await session.run(s).catch((e: unknown) => {
                if (isUnavailable(e)) throw e;
              });
          }
        } finally {
          await session.close();
        }
      });
    } catch (e) {
      await driver.close();
      throw e;
    }
    return view;
  }

  /** Which server this is: the Cypher differs (memgraph-cypher.ts). */
  get dialect(): Q.Dialect {
    return this.dialectName;
  }

  /** Runs `work`, turning a lost or refused connection into ViewUnavailable (retriable). */
  private async guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (isUnavailable(e)) throw new ViewUnavailable(`the view's graph database is unavailable (${what}): ${message(e)}`);
      throw e;
    }
  }

  private read<T>(what: string, work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return this.guard(what, async () => {
      const session = this.driver.session();
      try {
        return await session.executeRead(work);
      } finally {
        await session.close();
      }
    });
  }

  async apply(batch: readonly EventEnvelope[]): Promise<ApplyResult> {
    return this.guard('apply', async () => {
      const session = this.driver.session();
      try {
        // The whole function is the transaction: when the driver retries it (a lost connection,
        // a commit whose outcome is unknown), it re-reads the dedup rows, so a batch that did
        // commit is counted as duplicates instead of being applied twice.
        return await session.executeWrite(async (tx) => {
          // The lock first: the dedup rows read after it are the ones the last applier committed.
          const state = (await tx.run(Q.LOCK_STATE)).records[0];
          const pids = [...new Set(batch.map((e) => e.persistenceId))];
          const stored = new Map<string, number>();
          for (const r of (await tx.run(Q.READ_DEDUP, { pids })).records) stored.set(r.get('pid') as string, Number(r.get('seq')));
          const plan = planBatch(batch, stored, num(state?.get('offset')) ?? 0);
          for (const run of plan.runs) for (const stmt of Q.WRITE[run.tag] ?? []) await tx.run(stmt, { rows: run.rows });
          await tx.run(Q.WRITE_DEDUP, { rows: pids.map((pid) => ({ pid, seq: plan.last.get(pid) ?? 0 })) });
          await tx.run(Q.WRITE_STATE, { offset: plan.offset, applied: plan.applied, duplicates: plan.duplicates, gaps: plan.gaps });
          return { applied: plan.applied, duplicates: plan.duplicates, gaps: plan.gaps, offset: plan.offset };
        });
      } finally {
        await session.close();
      }
    });
  }

  /**
   * A check's rows and the offset they reflect, read in one transaction: read apart, an apply
   * committing in between would pair an answer with another offset than the one it reflects.
   */
  private check(
    what: string,
    byRotation: (b: boolean) => string,
    f: CheckFilters,
    prelude?: string,
  ): Promise<{ rows: QueryResult; offset: number }> {
    return this.read(what, async (tx) => {
      const text = byRotation(f.rotationId !== undefined);
      // A prelude's one row becomes parameters of the check (the same snapshot of the graph).
      const params: Props = prelude === undefined ? {} : ((await tx.run(prelude)).records[0]?.toObject() ?? {});
      const rows = await tx.run(text, { ...params, ...(f.rotationId === undefined ? {} : { rotationId: f.rotationId }) });
      const offset = num((await tx.run(Q.READ_STATE)).records[0]?.get('offset')) ?? 0;
      return { rows, offset };
    });
  }

  private async offsetNow(): Promise<number> {
    return this.read('offset', async (tx) => num((await tx.run(Q.READ_STATE)).records[0]?.get('offset')) ?? 0);
  }

  async continuity(f: CheckFilters = {}): Promise<Page<ViewContinuity>> {
    const { rows, offset } = await this.check('continuity', Q.checkContinuity, f);
    const vs = rows.records.map((r) =>
      continuityViolation(
        r.get('rotationId') as string,
        (r.get('registration') as string | null) ?? null,
        toLeg(r.get('previous')),
        toLeg(r.get('next')),
      ),
    );
    return page(
      vs.sort((a, b) => compareKeys(pairKey(a), pairKey(b))),
      pairKey,
      f,
      offset,
    );
  }

  async groundTime(f: CheckFilters = {}): Promise<Page<ViewGroundTime>> {
    const { rows, offset } = await this.check('ground time', Q.checkGroundTime, f, Q.MAX_AIRPORT_MGT);
    const vs = rows.records.map((r) => {
      const registration = (r.get('registration') as string | null) ?? null;
      const airportMgt = num(r.get('airportMgt'));
      return groundTimeViolation(
        r.get('rotationId') as string,
        registration,
        toLeg(r.get('previous')),
        toLeg(r.get('next')),
        airportMgt ?? undefined,
        registration === null ? null : num(r.get('airplaneMgt')),
      );
    });
    return page(
      vs.sort((a, b) => compareKeys(pairKey(a), pairKey(b))),
      pairKey,
      f,
      offset,
    );
  }

  async designators(f: CheckFilters = {}): Promise<Page<ViewDesignator>> {
    const { rows, offset } = await this.check('designators', Q.checkDesignators, f);
    const vs = rows.records.map((r) =>
      designatorViolation(
        (r.get('legs') as { rotationId: string; leg: unknown }[]).map((x) => ({ rotationId: x.rotationId, leg: toLeg(x.leg) })),
      ),
    );
    return page(
      vs.sort((a, b) => compareKeys(designatorSortKey(a), designatorSortKey(b))),
      designatorSortKey,
      f,
      offset,
    );
  }

  async equipment(f: CheckFilters = {}): Promise<Page<ViewEquipment>> {
    const { rows, offset } = await this.check('equipment', Q.checkEquipment, f);
    const vs = rows.records.map((r) =>
      equipmentViolation(
        r.get('rotationId') as string,
        r.get('registration') as string,
        toLeg(r.get('leg')),
        r.get('airplaneType') as string,
      ),
    );
    return page(
      vs.sort((a, b) => compareKeys(legKey(a), legKey(b))),
      legKey,
      f,
      offset,
    );
  }

  async rotation(rotationId: string): Promise<ScheduleRotation | null> {
    const r = (await this.read('rotation', (tx) => tx.run(Q.READ_ROTATION, { rotationId }))).records[0];
    if (!r) return null;
    return { rotationId, legs: (r.get('legs') as unknown[]).map(toLeg), registration: (r.get('registration') as string | null) ?? null };
  }

  async airplane(registration: string): Promise<AirplaneView | null> {
    const r = (await this.read('airplane', (tx) => tx.run(Q.READ_AIRPLANE, { registration }))).records[0];
    if (!r) return null;
    return {
      registration,
      aircraftType: r.get('aircraftType') as string,
      minimumGroundTimeMin: Number(r.get('mgt')),
      rotationId: (r.get('rotationId') as string | null) ?? null,
    };
  }

  offset(): Promise<number> {
    return this.offsetNow();
  }

  async counters(): Promise<ViewCounters> {
    const r = (await this.read('counters', (tx) => tx.run(Q.READ_STATE))).records[0];
    return { applied: num(r?.get('applied')) ?? 0, duplicates: num(r?.get('duplicates')) ?? 0, gaps: num(r?.get('gaps')) ?? 0 };
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
