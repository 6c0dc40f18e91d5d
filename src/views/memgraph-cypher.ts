/**
 * The Cypher of the Memgraph schedule view, in one place so docs/views.md can quote it.
 *
 * Graph model:
 *   (:Rotation {id, active})
 *   (:Leg {rotationId, dkey, fields, ...every field of the domain's Leg: id, carrier,
 *          flightNumber, suffix, dateOfOrigin, departureAirport, arrivalAirport, departureUtc,
 *          arrivalUtc, ...})-[:IN]->(:Rotation)
 *   `fields` lists the Leg's keys in the domain's order: a null field is no property on either
 *   server, and answers must hand back the oracle's exact object (same keys, same order), so the
 *   list, not the stored properties, says what a leg is made of.
 *   (:Leg)-[:FROM]->(:Airport {iata, mgt?})   (:Leg)-[:TO]->(:Airport)
 *   (:Airplane {registration, active, aircraftType, mgt, ordinal})-[:FLIES]->(:Rotation)
 *   (:ViewState {id: 'schedule', offset, applied, duplicates, gaps})
 *   (:Dedup {pid, seq})   the dedup filter: last seq applied per aggregate
 *
 * Writes: one statement per run of same-type events, over `$rows` with UNWIND; a batch's runs,
 * its Dedup rows and ViewState are one transaction.
 *
 * Two Bolt servers run this view: Memgraph (production) and Neo4j (the live test server, run
 * from Maven Central by ops/backends/bolt.ts). The data statements are common Cypher; what
 * differs is chosen by `Dialect`, detected from the server's agent string on connect:
 * - index DDL: Memgraph has only `CREATE INDEX ON :L(p)`; Neo4j 5 only `CREATE INDEX … FOR … ON`;
 *   Neo4j builds indexes in the background, so it also waits for them (db.awaitIndexes);
 * - wiping the database: Neo4j holds a transaction's changes in its heap, so a large graph is
 *   deleted in batches (`CALL … IN TRANSACTIONS`, which Memgraph does not have);
 * - row order inside one statement: Memgraph pipelines UNWIND rows one by one, Neo4j runs each
 *   clause for all rows before the next (clause-by-clause semantics, with Eager operators). A
 *   statement whose rows read what an earlier row of it wrote must therefore hold at most one
 *   event per aggregate (`ONE_PER_AGGREGATE`), which is correct on both.
 */

export type Dialect = 'memgraph' | 'neo4j';

/** The dialect of a Bolt server from its agent string ("Memgraph/2.19.0", "Neo4j/5.26.30"). */
export function dialectOf(agent: string | undefined): Dialect {
  if (agent !== undefined && /^memgraph\b/i.test(agent)) return 'memgraph';
  if (agent !== undefined && /^neo4j\b/i.test(agent)) return 'neo4j';
  throw new Error(`unsupported Bolt server ${JSON.stringify(agent)}: the schedule view runs on Memgraph or Neo4j`);
}

/** The indexed (label, property) pairs: every MATCH/MERGE by key in the statements below. */
export const INDEXED: readonly (readonly [label: string, property: string])[] = [
  ['Rotation', 'id'],
  ['Leg', 'rotationId'],
  ['Leg', 'dkey'],
  ['Airport', 'iata'],
  ['Airplane', 'registration'],
  ['Dedup', 'pid'],
];

/**
 * The schema statements, each run on its own in auto-commit (neither server allows index DDL
 * inside an explicit transaction, nor beside data writes). Memgraph's form has no IF NOT EXISTS,
 * so on Memgraph a repeat's error is expected (see the view); Neo4j's is idempotent, and any
 * error there is real.
 */
export function schema(d: Dialect): readonly string[] {
  // ViewState is unique: two appliers' first MERGE must not create two (see LOCK_STATE).
  if (d === 'memgraph')
    return [
      ...INDEXED.map(([label, prop]) => `CREATE INDEX ON :${label}(${prop})`),
      'CREATE CONSTRAINT ON (n:ViewState) ASSERT n.id IS UNIQUE',
    ];
  return [
    ...INDEXED.map(
      ([label, prop]) => `CREATE INDEX ${label.toLowerCase()}_${prop.toLowerCase()} IF NOT EXISTS FOR (n:${label}) ON (n.${prop})`,
    ),
    'CREATE CONSTRAINT viewstate_id IF NOT EXISTS FOR (n:ViewState) REQUIRE n.id IS UNIQUE',
    // A new index is POPULATING until built; queries planned before it is ONLINE scan the label.
    'CALL db.awaitIndexes(300)',
  ];
}

/** Wipes the view's database (auto-commit). */
export function reset(d: Dialect): readonly string[] {
  if (d === 'memgraph') return ['MATCH (n) DETACH DELETE n'];
  // Neo4j holds a transaction's changes in its heap (a full season is ~360,000 nodes and
  // ~545,000 relationships: over the memory pool of a 512 MiB heap in one transaction), so it
  // deletes in batches, and the legs first: each has 3 relationships, while one airport holds
  // thousands, so a batch of nodes taken in store order (airports first) held nearly every
  // relationship anyway. `CALL {…} IN TRANSACTIONS` must run in an auto-commit transaction.
  return [
    'MATCH (l:Leg) CALL { WITH l DETACH DELETE l } IN TRANSACTIONS OF 10000 ROWS',
    'MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS',
  ];
}

/**
 * Event tags whose statement reads state an earlier row of the same statement may have written
 * (RotationAssigned deletes the airplane's FLIES and creates a new one): a run of these is cut
 * where an aggregate repeats. Found on Neo4j, where an airplane reassigned twice in one batch kept
 * both FLIES relationships. The other tags' rows commute or only overwrite (last row wins on both).
 */
export const ONE_PER_AGGREGATE: ReadonlySet<string> = new Set(['RotationAssigned', 'RotationUnassigned']);

/** Statements per event tag; each runs with `$rows` = the run's events (plus `offset`). */
export const WRITE: Record<string, readonly string[]> = {
  RotationCreated: [
    'UNWIND $rows AS e MATCH (l:Leg {rotationId: e.rotationId}) DETACH DELETE l',
    'UNWIND $rows AS e MERGE (r:Rotation {id: e.rotationId}) SET r.active = true',
  ],
  LegAdded: [
    `UNWIND $rows AS e
     MATCH (r:Rotation {id: e.rotationId}) WHERE r.active = true
     MERGE (dep:Airport {iata: e.leg.departureAirport})
     MERGE (arr:Airport {iata: e.leg.arrivalAirport})
     CREATE (l:Leg {rotationId: e.rotationId, dkey: e.dkey, fields: e.fields})
     SET l += e.leg
     CREATE (l)-[:IN]->(r), (l)-[:FROM]->(dep), (l)-[:TO]->(arr)`,
  ],
  LegRemoved: [
    'UNWIND $rows AS e MATCH (r:Rotation {id: e.rotationId})<-[:IN]-(l:Leg {id: e.legId}) WHERE r.active = true DETACH DELETE l',
  ],
  RotationRemoved: [
    'UNWIND $rows AS e MATCH (l:Leg {rotationId: e.rotationId}) DETACH DELETE l',
    'UNWIND $rows AS e MERGE (r:Rotation {id: e.rotationId}) SET r.active = false',
  ],
  AirplaneCreated: [
    `UNWIND $rows AS e MERGE (a:Airplane {registration: e.registration}) ON CREATE SET a.ordinal = e.offset
     SET a.active = true, a.aircraftType = e.aircraftType, a.mgt = e.minimumGroundTimeMin`,
  ],
  AirplaneMinimumGroundTimeSet: [
    'UNWIND $rows AS e MERGE (a:Airplane {registration: e.registration}) ON CREATE SET a.ordinal = e.offset, a.active = false SET a.mgt = e.minimumGroundTimeMin',
  ],
  RotationAssigned: [
    `UNWIND $rows AS e MERGE (a:Airplane {registration: e.registration}) ON CREATE SET a.ordinal = e.offset, a.active = false
     WITH a, e OPTIONAL MATCH (a)-[f:FLIES]->() DELETE f
     WITH DISTINCT a, e MERGE (r:Rotation {id: e.rotationId}) CREATE (a)-[:FLIES]->(r)`,
  ],
  RotationUnassigned: ['UNWIND $rows AS e MATCH (a:Airplane {registration: e.registration})-[f:FLIES]->() DELETE f'],
  AirportMinimumGroundTimeSet: ['UNWIND $rows AS e MERGE (ap:Airport {iata: e.iata}) SET ap.mgt = e.minimumGroundTimeMin'],
};

/**
 * The first statement of every apply: a write to the one ViewState node, which takes its write
 * lock, then the stored offset. Two appliers (a projection handing over to another member) thus
 * run one after the other, and the second reads the dedup rows the first committed. Neo4j reads
 * committed data without a snapshot, so without the lock both read the same old rows and both
 * applied the batch (found on Neo4j); Memgraph's snapshot isolation aborts the second on the
 * conflicting write instead, and the driver retries it from the start.
 */
export const LOCK_STATE = `MERGE (s:ViewState {id: 'schedule'})
  SET s.batches = coalesce(s.batches, 0) + 1
  RETURN s.offset AS offset`;
export const READ_DEDUP = 'UNWIND $pids AS pid MATCH (d:Dedup {pid: pid}) RETURN d.pid AS pid, d.seq AS seq';
export const WRITE_DEDUP = 'UNWIND $rows AS x MERGE (d:Dedup {pid: x.pid}) SET d.seq = x.seq';
export const WRITE_STATE = `MERGE (s:ViewState {id: 'schedule'})
  SET s.offset = $offset, s.applied = coalesce(s.applied, 0) + $applied,
      s.duplicates = coalesce(s.duplicates, 0) + $duplicates, s.gaps = coalesce(s.gaps, 0) + $gaps`;
export const READ_STATE =
  "OPTIONAL MATCH (s:ViewState {id: 'schedule'}) RETURN s.offset AS offset, s.applied AS applied, s.duplicates AS duplicates, s.gaps AS gaps";

/**
 * Each active rotation (or the one asked for) with its legs in time order and the airplane that
 * flies it (the active one seen first last, as scheduleFromEvents decides when two claim it).
 * Two texts instead of `$rotationId IS NULL OR r.id = $rotationId`: a plan is cached per text, and
 * the OR form cannot use the Rotation(id) index, so one rotation's check scanned every rotation.
 */
function rotationPairs(byRotation: boolean): string {
  return `
  MATCH ${byRotation ? '(r:Rotation {id: $rotationId})' : '(r:Rotation)'}<-[:IN]-(l:Leg) WHERE r.active = true
  WITH r, l ORDER BY l.departureUtc, l.arrivalUtc, l.id
  WITH r, collect(l) AS legs WHERE size(legs) > 1
  OPTIONAL MATCH (a:Airplane)-[:FLIES]->(r) WHERE a.active = true
  WITH r, legs, a ORDER BY a.ordinal DESC
  WITH r, legs, head(collect(a)) AS plane
  UNWIND range(1, size(legs) - 1) AS i
  WITH r, plane, legs[i - 1] AS p, legs[i] AS n`;
}

/** Rotation continuity: the previous leg lands where the next does not leave from. */
export function checkContinuity(byRotation: boolean): string {
  return `${rotationPairs(byRotation)}
  WHERE p.arrivalAirport <> n.departureAirport
  RETURN r.id AS rotationId, plane.registration AS registration, p AS previous, n AS next`;
}

/** The highest airport MGT, read in the ground-time check's transaction as `$maxAirportMgt`. */
export const MAX_AIRPORT_MGT = 'MATCH (x:Airport) RETURN coalesce(max(x.mgt), 0) AS maxAirportMgt';

/**
 * Minimum ground time: next departure - previous arrival < max(airport MGT, airplane MGT). Pairs
 * with more ground time than the airplane's and the highest airport's MGT cannot violate, so they
 * are dropped before their airport is looked up (on Neo4j, full season: 1.5-2.5 s -> 0.9-1.5 s).
 */
export function checkGroundTime(byRotation: boolean): string {
  return `${rotationPairs(byRotation)}
  WHERE (n.departureUtc - p.arrivalUtc) / 60000.0 < CASE WHEN coalesce(plane.mgt, 0) > $maxAirportMgt THEN plane.mgt ELSE $maxAirportMgt END
  OPTIONAL MATCH (ap:Airport {iata: p.arrivalAirport})
  WITH r, plane, p, n, ap.mgt AS airportMgt,
       CASE WHEN plane IS NULL THEN coalesce(ap.mgt, 0)
            WHEN plane.mgt > coalesce(ap.mgt, 0) THEN plane.mgt ELSE coalesce(ap.mgt, 0) END AS required
  WHERE (n.departureUtc - p.arrivalUtc) / 60000.0 < required
  RETURN r.id AS rotationId, plane.registration AS registration, plane.mgt AS airplaneMgt, airportMgt, p AS previous, n AS next`;
}

/**
 * Designator uniqueness: designator keys held by two or more legs of active rotations. Keys held
 * twice are found first from the Leg(dkey) index alone (a count per key, no leg read from the
 * store; on Neo4j 10x faster over a full season than grouping every leg with its rotation), then
 * only their legs are read. For one rotation, only its own legs' keys are looked up.
 */
export function checkDesignators(byRotation: boolean): string {
  const keys = byRotation
    ? `MATCH (:Rotation {id: $rotationId, active: true})<-[:IN]-(x:Leg)
  WITH DISTINCT x.dkey AS key`
    : `MATCH (x:Leg) WHERE x.dkey IS NOT NULL
  WITH x.dkey AS key, count(*) AS held WHERE held > 1`;
  return `
  ${keys}
  MATCH (r:Rotation)<-[:IN]-(l:Leg {dkey: key}) WHERE r.active = true
  WITH key, collect({rotationId: r.id, leg: l}) AS legs
  WHERE size(legs) > 1
  RETURN key, legs`;
}

/**
 * Equipment: legs of a known aircraft type other than the type of their rotation's airplane (the
 * active one seen first last, as for the other checks). Starts from the airplanes that fly a
 * rotation (a few hundred), so rotations without an airplane are never read; a leg of unknown
 * type has no aircraftType property (a null is not stored).
 */
export function checkEquipment(byRotation: boolean): string {
  return `
  MATCH (a:Airplane)-[:FLIES]->${byRotation ? '(r:Rotation {id: $rotationId})' : '(r:Rotation)'}
  WHERE a.active = true AND r.active = true
  WITH r, a ORDER BY a.ordinal DESC
  WITH r, head(collect(a)) AS plane
  MATCH (r)<-[:IN]-(l:Leg)
  WHERE l.aircraftType IS NOT NULL AND l.aircraftType <> plane.aircraftType
  RETURN r.id AS rotationId, plane.registration AS registration, plane.aircraftType AS airplaneType, l AS leg`;
}

export const READ_ROTATION = `
  MATCH (r:Rotation {id: $rotationId}) WHERE r.active = true
  OPTIONAL MATCH (r)<-[:IN]-(l:Leg)
  WITH r, l ORDER BY l.departureUtc, l.arrivalUtc, l.id
  WITH r, collect(l) AS legs
  OPTIONAL MATCH (a:Airplane)-[:FLIES]->(r) WHERE a.active = true
  WITH r, legs, a ORDER BY a.ordinal DESC
  RETURN r.id AS rotationId, legs, head(collect(a.registration)) AS registration`;

export const READ_AIRPLANE = `
  MATCH (a:Airplane {registration: $registration}) WHERE a.active = true
  OPTIONAL MATCH (a)-[:FLIES]->(r:Rotation)
  RETURN a.registration AS registration, a.aircraftType AS aircraftType, a.mgt AS mgt, r.id AS rotationId`;
