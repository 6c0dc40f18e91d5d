/**
 * Byte encodings of events, stored records and snapshots. These bytes live on disk for years:
 * changing anything here breaks every existing journal. test/persistence/codec.test.ts pins them
 * with golden bytes; a change that moves a golden test needs a new record format number and a
 * reader for the old one.
 *
 * Plain msgpack (no msgpackr records/structures, which would make the bytes depend on a shared
 * structure table): maps stay maps, so any msgpack reader in any language can read the journal.
 */
import { Packr } from 'msgpackr';
import { CorruptEvent, InvalidAppend } from './errors.ts';
import type { JournalEvent } from './journal.ts';
import type { EncodedEvent, StoredEvent, StoredSnapshot } from './store.ts';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** Version of the stored record layout below. */
export const RECORD_FORMAT = 1;

/** Encodes a domain event; rejects what is not plain tagged data. */
export function encodeEvent(event: JournalEvent): EncodedEvent {
  if (typeof event !== 'object' || event === null || typeof event._tag !== 'string' || event._tag === '') {
    throw new InvalidAppend('an event must be an object with a non-empty string _tag');
  }
  const version = event.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw new InvalidAppend(`${event._tag}: version must be an integer >= 1`);
  let payload: Uint8Array;
  try {
    payload = packr.pack(event);
  } catch (e) {
    throw new InvalidAppend(`${event._tag}: cannot encode: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { type: event._tag, version, payload };
}

export function decodePayload(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * A stored record: [format, persistenceId, seq, offset, timestamp, type, version, payload].
 * Header fields come first and the payload stays a nested byte string, so a damaged payload can
 * still be reported with its persistence id and seq.
 */
export function encodeRecord(e: StoredEvent): Uint8Array {
  return packr.pack([RECORD_FORMAT, e.persistenceId, e.seq, e.offset, e.timestamp, e.type, e.version, e.payload]);
}

/** `where` is what the caller knows from the key, used in the error if the record is damaged. */
export function decodeRecord(bytes: Uint8Array, where: { persistenceId?: string; seq?: number; offset?: number }): StoredEvent {
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch (e) {
    throw new CorruptEvent(where.persistenceId, where.seq, where.offset, `undecodable record: ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || v.length !== 8 || v[0] !== RECORD_FORMAT) {
    throw new CorruptEvent(where.persistenceId, where.seq, where.offset, 'not a journal record (format 1)');
  }
  const [, persistenceId, seq, offset, timestamp, type, version, payload] = v as unknown[];
  if (
    typeof persistenceId !== 'string' ||
    typeof seq !== 'number' ||
    typeof offset !== 'number' ||
    typeof timestamp !== 'number' ||
    typeof type !== 'string' ||
    typeof version !== 'number' ||
    !(payload instanceof Uint8Array)
  ) {
    throw new CorruptEvent(where.persistenceId, where.seq, where.offset, 'record header has wrong field types');
  }
  return { persistenceId, seq, offset, timestamp, type, version, payload };
}

/** A snapshot record: [format, persistenceId, seq, timestamp, state]. */
export function encodeSnapshotRecord(s: StoredSnapshot): Uint8Array {
  return packr.pack([RECORD_FORMAT, s.persistenceId, s.seq, s.timestamp, s.state]);
}

export function decodeSnapshotRecord(bytes: Uint8Array, persistenceId: string, seq: number): StoredSnapshot {
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch (e) {
    throw new CorruptEvent(persistenceId, seq, undefined, `undecodable snapshot: ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || v.length !== 5 || v[0] !== RECORD_FORMAT || !(v[4] instanceof Uint8Array)) {
    throw new CorruptEvent(persistenceId, seq, undefined, 'not a snapshot record (format 1)');
  }
  return { persistenceId, seq, timestamp: Number(v[3]), state: v[4] };
}
