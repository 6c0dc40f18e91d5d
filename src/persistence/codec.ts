/**
 * Byte encodings of events, stored records and snapshots. These bytes live on disk for years:
 * changing anything here breaks every existing journal. test/persistence/codec.test.ts pins them
 * with golden bytes; a change that moves a golden test needs a new record format number and a
 * reader for the old one.
 *
 * Event payloads and snapshot states are plain msgpack (no msgpackr records/structures, which
 * would make the bytes depend on a shared structure table), so any msgpack reader in any language
 * can read them; the event record around a payload is a small fixed binary header.
 */
import { Packr } from 'msgpackr';
import { CorruptEvent, InvalidAppend } from './errors.ts';
import { NOT_HANDLED, decodeFast, utf8 } from './payload-decoder.ts';
import type { JournalEvent } from './journal.ts';
import type { EncodedEvent, StoredEvent, StoredSnapshot } from './store.ts';

// copyBuffers: a `bin` field decodes to its own copy, never a view into the source, because
// sources include lmdb-js's reused read buffer.
const options = { useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number', copyBuffers: true } as const;
const packr = new Packr(options);

/** Version of the stored record layout below. */
export const RECORD_FORMAT = 1;

/** Encodes a domain event; rejects what is not plain tagged data. */
export function encodeEvent(event: JournalEvent): EncodedEvent {
  if (typeof event !== 'object' || event === null || typeof event._tag !== 'string' || event._tag === '') {
    throw new InvalidAppend('an event must be an object with a non-empty string _tag');
  }
  if (Buffer.byteLength(event._tag) > 255) throw new InvalidAppend(`event type ${event._tag.slice(0, 40)}… is longer than 255 bytes`);
  const version = event.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw new InvalidAppend(`${event._tag}: version must be an integer >= 1`);
  let payload: Uint8Array;
  try {
    payload = packr.pack(event);
  } catch (e) {
    throw new InvalidAppend(`${event._tag}: cannot encode: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { type: event._tag, version, payload, source: event };
}

export function decodePayload(bytes: Uint8Array): unknown {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fast = decodeFast(b, 0, b.length);
  // msgpackr decides everything the fast path does not cover, and words the errors.
  return fast === NOT_HANDLED ? packr.unpack(bytes) : fast;
}

/**
 * Decodes a payload where it lies, without copying it out first; undefined if it does not decode
 * (EventJournal then decodes the copied `payload` and reports the error with full context).
 * Worth it when the source is a buffer reused across reads: msgpackr caches its DataView on the
 * buffer object, so a fresh buffer per payload costs about as much as the decoding itself.
 */
function decodePayloadAt(bytes: Buffer, start: number, end: number): unknown {
  try {
    const fast = decodeFast(bytes, start, end);
    return fast === NOT_HANDLED ? packr.unpack(bytes, { start, end }) : fast;
  } catch {
    return undefined;
  }
}

export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * A stored record, little-endian, fixed header then the payload:
 *
 *   u8 format (1) | u8 typeLength | u16 idLength | f64 seq | f64 offset | f64 timestamp
 *   | u32 version | id (utf-8) | type (utf-8) | payload (msgpack, to the end)
 *
 * Hand-laid rather than a msgpack array: it is written inside the LMDB write transaction and read
 * on every feed page, and this layout costs a few hundred nanoseconds each way with no copy of
 * the payload. The header comes first so a damaged payload is still reported with its id and seq.
 */
const HEADER = 1 + 1 + 2 + 8 + 8 + 8 + 4;

/**
 * Encodes into `scratch` when it is large enough (the result is then a view into it, valid until
 * the next call: for callers that copy it right away, as an LMDB put does), else into a new Buffer.
 */
export function encodeRecord(e: StoredEvent, scratch?: Buffer): Uint8Array {
  const idLength = Buffer.byteLength(e.persistenceId);
  const typeLength = Buffer.byteLength(e.type);
  if (idLength > 0xffff) throw new InvalidAppend(`persistenceId longer than 65535 bytes`);
  if (typeLength > 0xff) throw new InvalidAppend(`event type ${e.type.slice(0, 40)}… longer than 255 bytes`);
  const size = HEADER + idLength + typeLength + e.payload.length;
  const out = scratch && scratch.length >= size ? scratch : Buffer.allocUnsafe(size);
  out[0] = RECORD_FORMAT;
  out[1] = typeLength;
  out.writeUInt16LE(idLength, 2);
  out.writeDoubleLE(e.seq, 4);
  out.writeDoubleLE(e.offset, 12);
  out.writeDoubleLE(e.timestamp, 20);
  out.writeUInt32LE(e.version, 28);
  out.write(e.persistenceId, HEADER, 'utf8');
  out.write(e.type, HEADER + idLength, 'utf8');
  out.set(e.payload, HEADER + idLength + typeLength);
  // A plain Uint8Array view: Buffer#subarray goes through Buffer's species constructor, which
  // showed up as the top cost of the write path.
  return out === scratch ? new Uint8Array(out.buffer, out.byteOffset, size) : out;
}

/** How to read a record out of a larger buffer, for readers that reuse buffers. */
export interface RecordSlice {
  /** Where the record starts and ends in `bytes` (default: all of it). */
  readonly start?: number;
  readonly end?: number;
  /** Copy the payload out (the buffer will be reused) instead of returning a view. */
  readonly copyPayload?: boolean;
  /** Decode the payload in place into `decoded` (undefined if it does not decode). */
  readonly decode?: boolean;
}

/** `where` is what the caller knows from the key, used in the error if the record is damaged
 * and checked against the record's own header. */
export function decodeRecord(
  bytes: Uint8Array,
  where: { persistenceId?: string; seq?: number; offset?: number },
  slice: RecordSlice = {},
): StoredEvent {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = slice.start ?? 0;
  const end = slice.end ?? b.length;
  if (end - at < HEADER || b[at] !== RECORD_FORMAT) {
    throw new CorruptEvent(where.persistenceId, where.seq, where.offset, `not a journal record (format ${RECORD_FORMAT})`);
  }
  const typeLength = b[at + 1] as number;
  const idLength = b.readUInt16LE(at + 2);
  const idStart = at + HEADER;
  const payloadStart = idStart + idLength + typeLength;
  if (end < payloadStart) throw new CorruptEvent(where.persistenceId, where.seq, where.offset, 'record shorter than its header says');
  const persistenceId = utf8(b, idStart, idStart + idLength);
  const seq = b.readDoubleLE(at + 4);
  const offset = b.readDoubleLE(at + 12);
  if (
    (where.persistenceId !== undefined && where.persistenceId !== persistenceId) ||
    (where.seq !== undefined && where.seq !== seq) ||
    (where.offset !== undefined && where.offset !== offset)
  ) {
    throw new CorruptEvent(
      where.persistenceId ?? persistenceId,
      where.seq ?? seq,
      where.offset ?? offset,
      `record header says ${persistenceId}#${seq} at offset ${offset}`,
    );
  }
  return {
    persistenceId,
    seq,
    offset,
    timestamp: b.readDoubleLE(at + 20),
    version: b.readUInt32LE(at + 28),
    type: utf8(b, idStart + idLength, payloadStart),
    payload: slice.copyPayload ? copyOut(b, payloadStart, end) : new Uint8Array(b.buffer, b.byteOffset + payloadStart, end - payloadStart),
    decoded: slice.decode ? decodePayloadAt(b, payloadStart, end) : undefined,
  };
}

/** Copies bytes [start, end) out of a buffer its owner will reuse. Buffer.allocUnsafe takes
 * small sizes from Node's shared pool; a fresh Uint8Array per payload (its own backing store)
 * was the top cost of a feed read. */
function copyOut(b: Buffer, start: number, end: number): Uint8Array {
  const out = Buffer.allocUnsafe(end - start);
  b.copy(out, 0, start, end);
  return out;
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
