/**
 * The Cypher of the Memgraph schedule view, in one place so docs/views.md can quote it.
 *
 * Graph model:
 *   (:Rotation {id, active})
 *   (:Leg {rotationId, id, carrier, flightNumber, suffix, dateOfOrigin, departureAirport,
 *          arrivalAirport, departureUtc, arrivalUtc, dkey})-[:IN]->(:Rotation)
 *   (:Leg)-[:FROM]->(:Airport {iata, mgt?})   (:Leg)-[:TO]->(:Airport)
 *   (:Airplane {registration, active, aircraftType, mgt, ordinal})-[:FLIES]->(:Rotation)
 *   (:ViewState {id: 'schedule', offset, applied, duplicates, gaps})
 *   (:Dedup {pid, seq})   the dedup filter: last seq applied per aggregate
 *
 * Writes: one statement per run of same-type events, over `$rows` with UNWIND; a batch's runs,
 * its Dedup rows and ViewState are one transaction. Memgraph runs UNWIND rows in order, so a
 * run may hold two events of one aggregate.
 */

export const SCHEMA = [
  'CREATE INDEX ON :Rotation(id)',
  'CREATE INDEX ON :Leg(rotationId)',
  'CREATE INDEX ON :Leg(dkey)',
  'CREATE INDEX ON :Airport(iata)',
  'CREATE INDEX ON :Airplane(registration)',
  'CREATE INDEX ON :Dedup(pid)',
];

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
     CREATE (l:Leg {rotationId: e.rotationId, id: e.leg.id, carrier: e.leg.carrier, flightNumber: e.leg.flightNumber,
                    suffix: e.leg.suffix, dateOfOrigin: e.leg.dateOfOrigin, departureAirport: e.leg.departureAirport,
                    arrivalAirport: e.leg.arrivalAirport, departureUtc: e.leg.departureUtc, arrivalUtc: e.leg.arrivalUtc, dkey: e.dkey})
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
  RotationUnassigned: [
    'UNWIND $rows AS e MATCH (a:Airplane {registration: e.registration})-[f:FLIES]->() DELETE f',
  ],
  AirportMinimumGroundTimeSet: [
    'UNWIND $rows AS e MERGE (ap:Airport {iata: e.iata}) SET ap.mgt = e.minimumGroundTimeMin',
  ],
};

export const READ_DEDUP = 'UNWIND $pids AS pid MATCH (d:Dedup {pid: pid}) RETURN d.pid AS pid, d.seq AS seq';
export const WRITE_DEDUP = 'UNWIND $rows AS x MERGE (d:Dedup {pid: x.pid}) SET d.seq = x.seq';
export const WRITE_STATE = `MERGE (s:ViewState {id: 'schedule'})
  SET s.offset = $offset, s.applied = coalesce(s.applied, 0) + $applied,
      s.duplicates = coalesce(s.duplicates, 0) + $duplicates, s.gaps = coalesce(s.gaps, 0) + $gaps`;
export const READ_STATE = "OPTIONAL MATCH (s:ViewState {id: 'schedule'}) RETURN s.offset AS offset, s.applied AS applied, s.duplicates AS duplicates, s.gaps AS gaps";

/** Each active rotation (or one) with its legs in time order and the airplane that flies it (the
 * active one seen first last, as scheduleFromEvents decides when two claim it). */
const ROTATION_PAIRS = `
  MATCH (r:Rotation)<-[:IN]-(l:Leg) WHERE r.active = true AND ($rotationId IS NULL OR r.id = $rotationId)
  WITH r, l ORDER BY l.departureUtc, l.arrivalUtc, l.id
  WITH r, collect(l) AS legs WHERE size(legs) > 1
  OPTIONAL MATCH (a:Airplane)-[:FLIES]->(r) WHERE a.active = true
  WITH r, legs, a ORDER BY a.ordinal DESC
  WITH r, legs, head(collect(a)) AS plane
  UNWIND range(1, size(legs) - 1) AS i
  WITH r, plane, legs[i - 1] AS p, legs[i] AS n`;

/** Rotation continuity: the previous leg lands where the next does not leave from. */
export const CHECK_CONTINUITY = `${ROTATION_PAIRS}
  WHERE p.arrivalAirport <> n.departureAirport
  RETURN r.id AS rotationId, plane.registration AS registration, p AS previous, n AS next`;

/** Minimum ground time: next departure - previous arrival < max(airport MGT, airplane MGT). */
export const CHECK_GROUND_TIME = `${ROTATION_PAIRS}
  OPTIONAL MATCH (ap:Airport {iata: p.arrivalAirport})
  WITH r, plane, p, n, ap.mgt AS airportMgt,
       CASE WHEN plane IS NULL THEN coalesce(ap.mgt, 0)
            WHEN plane.mgt > coalesce(ap.mgt, 0) THEN plane.mgt ELSE coalesce(ap.mgt, 0) END AS required
  WHERE (n.departureUtc - p.arrivalUtc) / 60000.0 < required
  RETURN r.id AS rotationId, plane.registration AS registration, plane.mgt AS airplaneMgt, airportMgt, p AS previous, n AS next`;

/** Designator uniqueness: designator keys held by two or more legs of active rotations. */
export const CHECK_DESIGNATORS = `
  MATCH (r:Rotation)<-[:IN]-(l:Leg) WHERE r.active = true
  WITH l.dkey AS key, collect({rotationId: r.id, leg: l}) AS legs
  WHERE size(legs) > 1 AND ($rotationId IS NULL OR any(x IN legs WHERE x.rotationId = $rotationId))
  RETURN key, legs`;

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

export const RESET = 'MATCH (n) DETACH DELETE n';
