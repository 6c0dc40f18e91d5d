/**
 * The Memgraph schedule view: its Cypher for both Bolt dialects (always, no server), then the view
 * contract suite against a live Bolt server when MEMGRAPH_URL is set (Memgraph, or the Neo4j that
 * `npm run backends -- up` starts). Each live test gets a wiped database.
 */
import t from 'tap';
import { designatorKey } from '../../src/domain/index.ts';
import type { EventEnvelope } from '../../src/persistence/index.ts';
import {
  dialectOf,
  reset,
  schema,
  checkContinuity,
  checkDesignators,
  checkEquipment,
  checkGroundTime,
  INDEXED,
  ONE_PER_AGGREGATE,
  WRITE,
} from '../../src/views/memgraph-cypher.ts';
import { planBatch } from '../../src/views/memgraph-view.ts';
import { liveEnv } from '../fixtures/live.ts';
import { viewContract, leg } from './fixtures/view-contract.ts';
import { FeedWorld, seasonFeed } from './fixtures/season-feed.ts';
import { canonical, oracle, oracleSchedule, viewAnswers } from './fixtures/oracle.ts';

t.test('dialect from the server agent string', async (t) => {
  t.equal(dialectOf('Memgraph/2.19.0'), 'memgraph');
  t.equal(dialectOf('Neo4j/5.26.30'), 'neo4j');
  t.equal(dialectOf('neo4j/2025.01.0'), 'neo4j');
  t.throws(() => dialectOf('FalkorDB/4.0'), /unsupported Bolt server/);
  t.throws(() => dialectOf(undefined), /unsupported Bolt server/);
});

t.test('schema DDL per dialect', async (t) => {
  t.same(schema('memgraph'), [
    'CREATE INDEX ON :Rotation(id)',
    'CREATE INDEX ON :Leg(rotationId)',
    'CREATE INDEX ON :Leg(dkey)',
    'CREATE INDEX ON :Airport(iata)',
    'CREATE INDEX ON :Airplane(registration)',
    'CREATE INDEX ON :Dedup(pid)',
    'CREATE CONSTRAINT ON (n:ViewState) ASSERT n.id IS UNIQUE',
  ]);
  t.same(schema('neo4j'), [
    'CREATE INDEX rotation_id IF NOT EXISTS FOR (n:Rotation) ON (n.id)',
    'CREATE INDEX leg_rotationid IF NOT EXISTS FOR (n:Leg) ON (n.rotationId)',
    'CREATE INDEX leg_dkey IF NOT EXISTS FOR (n:Leg) ON (n.dkey)',
    'CREATE INDEX airport_iata IF NOT EXISTS FOR (n:Airport) ON (n.iata)',
    'CREATE INDEX airplane_registration IF NOT EXISTS FOR (n:Airplane) ON (n.registration)',
    'CREATE INDEX dedup_pid IF NOT EXISTS FOR (n:Dedup) ON (n.pid)',
    'CREATE CONSTRAINT viewstate_id IF NOT EXISTS FOR (n:ViewState) REQUIRE n.id IS UNIQUE',
    'CALL db.awaitIndexes(300)',
  ]);
  t.equal(INDEXED.length, 6);
  // Memgraph has no batched delete: one statement. Neo4j batches it outside one huge transaction.
  t.same(reset('memgraph'), ['MATCH (n) DETACH DELETE n']);
  t.same(reset('neo4j'), [
    'MATCH (l:Leg) CALL { WITH l DETACH DELETE l } IN TRANSACTIONS OF 10000 ROWS',
    'MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS',
  ]);
  // The data statements use only what both servers have: no IF NOT EXISTS, no CALL subqueries,
  // no APOC or MAGE procedures.
  for (const s of Object.values(WRITE).flat()) t.notMatch(s, /IF NOT EXISTS|CALL|apoc\.|mg\./, s.slice(0, 60));
});

t.test('check queries: one rotation uses its key, all rotations no parameter', async (t) => {
  for (const q of [checkContinuity, checkGroundTime]) {
    t.match(q(true), /MATCH \(r:Rotation \{id: \$rotationId\}\)<-\[:IN\]-\(l:Leg\)/);
    t.notMatch(q(false), /\$rotationId/);
    t.notMatch(q(true), /IS NULL OR/);
  }
  for (const byRotation of [true, false]) t.match(checkDesignators(byRotation), /MATCH \(r:Rotation\)<-\[:IN\]-\(l:Leg \{dkey: key\}\)/);
  t.match(checkDesignators(true), /MATCH \(:Rotation \{id: \$rotationId, active: true\}\)/);
  t.notMatch(checkDesignators(false), /\$rotationId/);
  t.match(checkDesignators(false), /count\(\*\) AS held WHERE held > 1/);
  t.match(checkEquipment(true), /MATCH \(a:Airplane\)-\[:FLIES\]->\(r:Rotation \{id: \$rotationId\}\)/);
  t.notMatch(checkEquipment(false), /\$rotationId/);
  // Ground time drops pairs that cannot violate before looking up their airport.
  for (const byRotation of [true, false])
    t.ok(checkGroundTime(byRotation).indexOf('$maxAirportMgt') < checkGroundTime(byRotation).indexOf('OPTIONAL MATCH (ap:Airport'));
});

const env = (persistenceId: string, seq: number, offset: number, event: Record<string, unknown>): EventEnvelope =>
  ({ persistenceId, seq, offset, type: String(event._tag), version: 1, timestamp: 0, event }) as unknown as EventEnvelope;

t.test('batch plan: dedup, gaps, runs, and one event per aggregate where rows depend on each other', async (t) => {
  t.ok(ONE_PER_AGGREGATE.has('RotationAssigned'));
  const assigned = (reg: string, rot: string) => ({
    _tag: 'RotationAssigned',
    version: 1,
    registration: reg,
    rotationId: rot,
    assignmentId: 'x',
    previous: null,
  });
  const batch = [
    env('airplane-A', 2, 10, assigned('A', 'R1')),
    env('rotation-R2', 1, 11, { _tag: 'RotationClaimed', version: 1, rotationId: 'R2', registration: 'A', assignmentId: 'y' }),
    env('airplane-B', 1, 12, assigned('B', 'R3')),
    env('airplane-A', 3, 13, assigned('A', 'R2')), // same airplane again: a new run
    env('airplane-C', 5, 14, assigned('C', 'R4')), // a gap (seq 5 after 3)
    env('airplane-B', 1, 15, assigned('B', 'R3')), // a duplicate
  ];
  const plan = planBatch(
    batch,
    new Map([
      ['airplane-A', 1],
      ['airplane-C', 3],
    ]),
    9,
  );
  t.same(
    plan.runs.map((r) => [r.tag, r.rows.map((x) => x.rotationId)]),
    [
      ['RotationAssigned', ['R1', 'R3']],
      ['RotationAssigned', ['R2', 'R4']],
    ],
  );
  t.same([plan.applied, plan.duplicates, plan.gaps, plan.offset], [5, 1, 1, 15]);
  t.same(
    [...plan.last],
    [
      ['airplane-A', 3],
      ['airplane-C', 5],
      ['rotation-R2', 1],
      ['airplane-B', 1],
    ],
  );
  // Legs of one rotation stay one statement (the season load adds them back to back).
  const legs = [1, 2, 3].map((i) =>
    env('rotation-R1', i, i, { _tag: 'LegAdded', version: 1, rotationId: 'R1', leg: leg(`l${i}`, 'FRA', 'MUC', i, i + 1) }),
  );
  const lp = planBatch(legs, new Map(), 0);
  t.equal(lp.runs.length, 1);
  t.equal(lp.runs[0]?.rows.length, 3);
  t.equal(lp.runs[0]?.rows[0]?.dkey, designatorKey(leg('l1', 'FRA', 'MUC', 1, 2)), 'rows carry the designator key');
});

const url = liveEnv(t, 'MEMGRAPH_URL', 'Memgraph view contract (live Bolt server)');
if (url) {
  const { MemgraphScheduleView } = await import('../../src/views/memgraph-view.ts');
  const user = process.env.MEMGRAPH_USER;
  const password = process.env.MEMGRAPH_PASSWORD;
  const open = () => MemgraphScheduleView.open({ url, reset: true, ...(user ? { user } : {}), ...(password ? { password } : {}) });
  // One server, so the tests that wipe it run one after another.
  t.jobs = 1;
  viewContract(t, open, { seasonBatches: 10 });

  t.test('an airplane reassigned twice in one batch flies only its last rotation', async (t) => {
    const w = new FeedWorld();
    w.airplane({ _tag: 'CreateAirplane', registration: 'D-A', aircraftType: '320', minimumGroundTimeMin: 600 });
    for (const [r, n] of [
      ['R1', 1],
      ['R2', 3],
    ] as const) {
      w.rotation({ _tag: 'CreateRotation', rotationId: r });
      w.rotation({ _tag: 'AddLeg', rotationId: r, leg: leg(`${r}a`, 'FRA', 'MUC', 0, 1, n) });
      w.rotation({ _tag: 'AddLeg', rotationId: r, leg: leg(`${r}b`, 'MUC', 'FRA', 2, 3, n + 1) });
    }
    w.saga({ _tag: 'StartAssignment', sagaId: 's1', registration: 'D-A', rotationId: 'R1' });
    w.saga({ _tag: 'StartAssignment', sagaId: 's2', registration: 'D-A', rotationId: 'R2' });
    const view = await open();
    try {
      await view.apply(w.feed);
      t.equal((await view.airplane('D-A'))?.rotationId, 'R2');
      t.same(
        await view.rotation('R1'),
        oracleSchedule(w.feed).rotations.find((r) => r.rotationId === 'R1'),
      );
      t.equal(canonical(await viewAnswers(view)), canonical(oracle(w.feed)), 'equals the oracle');
    } finally {
      await view.close();
    }
  });

  t.test('two appliers of the same feed (a projection handing over) apply each event once', async (t) => {
    const w = seasonFeed({
      season: { airplanes: 4, airports: 6, days: 3, seed: 21, violations: { continuity: 0.1, groundTime: 0.1, duplicates: 0.1 } },
      edits: 60,
      seed: 22,
    });
    const a = await open();
    const b = await MemgraphScheduleView.open({ url, ...(user ? { user } : {}), ...(password ? { password } : {}) });
    try {
      for (let i = 0; i < w.feed.length; i += 40) {
        const batch = w.feed.slice(i, i + 40);
        await Promise.all([a.apply(batch), b.apply(batch)]);
      }
      const c = await a.counters();
      t.equal(c.applied, w.feed.length, 'each event applied once');
      t.equal(c.duplicates, w.feed.length, 'the other copy of each counted as a duplicate');
      t.equal(canonical(await viewAnswers(b)), canonical(oracle(w.feed)), 'equals the oracle');
    } finally {
      await a.close();
      await b.close();
    }
  });

  t.test("the dialect is the server's and the schema is in place after a reopen", async (t) => {
    const first = await open();
    const dialect = first.dialect;
    await first.close();
    // Reopening an existing database runs the DDL again: it must not fail.
    const again = await MemgraphScheduleView.open({ url, ...(user ? { user } : {}), ...(password ? { password } : {}) });
    t.equal(again.dialect, dialect);
    t.equal(await again.offset(), 0);
    await again.close();
  });
}
