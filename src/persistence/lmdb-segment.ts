/**
 * LMDB's unit of storage: a segment holds every event one write transaction appended, under the
 * key of its first offset. One put per transaction instead of two per event (feed + index) is
 * what lets group commit scale: lmdb-js's per-put cost, not fsync, was the ceiling.
 *
 * Layout (little-endian), pinned by test/persistence/codec.test.ts:
 *
 *   u8 format (2) | u32 count | u32[count] entry start (from the segment's first byte)
 *   | entries: f64 prevOffset | f64 prevSegment | record (codec.ts, to the next entry's start)
 *
 * prevOffset/prevSegment point at the same aggregate's previous event (0 for its first): replay
 * walks this chain back from the aggregate's head, so there is no per-event index to maintain.
 * The entry table makes reaching entry i one read, not a walk through the segment.
 */
import { CorruptEvent } from './errors.ts';
import { decodeRecord, encodeRecord } from './codec.ts';
import type { StoredEvent } from './store.ts';

export const SEGMENT_FORMAT = 2;
const ENTRY_HEADER = 16;

export interface SegmentEntry {
  readonly event: StoredEvent;
  readonly prevOffset: number;
  readonly prevSegment: number;
}

/** Builds segments into a reusable buffer; `finish()` returns a view valid until `reset()`. */
export class SegmentWriter {
  private buffer = Buffer.allocUnsafe(1 << 20);
  /** encodeRecord's output for one event, copied into `buffer` right away. */
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  private starts: number[] = [];
  private end = 0;

  reset(): void {
    this.starts = [];
    this.end = 0;
  }

  get count(): number {
    return this.starts.length;
  }

  add(event: StoredEvent, prevOffset: number, prevSegment: number): void {
    const record = encodeRecord(event, this.scratch);
    this.ensure(this.end + ENTRY_HEADER + record.length);
    this.starts.push(this.end);
    this.buffer.writeDoubleLE(prevOffset, this.end);
    this.buffer.writeDoubleLE(prevSegment, this.end + 8);
    this.buffer.set(record, this.end + ENTRY_HEADER);
    this.end += ENTRY_HEADER + record.length;
  }

  /** The encoded segment: header and entry table, then the entries written so far. */
  finish(): Buffer {
    const head = 5 + 4 * this.starts.length;
    const out = Buffer.allocUnsafe(head + this.end);
    out[0] = SEGMENT_FORMAT;
    out.writeUInt32LE(this.starts.length, 1);
    for (const [i, s] of this.starts.entries()) out.writeUInt32LE(head + s, 5 + 4 * i);
    this.buffer.copy(out, head, 0, this.end);
    return out;
  }

  private ensure(size: number): void {
    if (size <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(size, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.end);
    this.buffer = bigger;
  }
}

/**
 * Reads entries of one segment. `stable`: `bytes` is the caller's own copy, so payloads can be
 * views into it; otherwise it is a buffer lmdb-js reuses and each payload is copied out.
 */
export class SegmentReader {
  private constructor(
    private readonly bytes: Buffer,
    private readonly length: number,
    readonly key: number,
    readonly count: number,
    private readonly stable: boolean,
  ) {}

  static open(bytes: Buffer, length: number, key: number, stable = false): SegmentReader {
    if (length < 5 || bytes[0] !== SEGMENT_FORMAT)
      throw new CorruptEvent(undefined, undefined, key, `not a journal segment (format ${SEGMENT_FORMAT})`);
    const count = bytes.readUInt32LE(1);
    if (5 + 4 * count > length) throw new CorruptEvent(undefined, undefined, key, 'segment entry table runs past its end');
    return new SegmentReader(bytes, length, key, count, stable);
  }

  /** Where entry i's aggregate continues backwards, without decoding the record. */
  link(i: number, where: { persistenceId?: string; seq?: number } = {}): { prevOffset: number; prevSegment: number } {
    const start = this.entryStart(i, where);
    return { prevOffset: this.bytes.readDoubleLE(start), prevSegment: this.bytes.readDoubleLE(start + 8) };
  }

  private entryStart(i: number, where: { persistenceId?: string; seq?: number }): number {
    if (i < 0 || i >= this.count)
      throw new CorruptEvent(where.persistenceId, where.seq, this.key + i, `segment ${this.key} has no entry ${i}`);
    const start = this.bytes.readUInt32LE(5 + 4 * i);
    if (start + ENTRY_HEADER > this.length)
      throw new CorruptEvent(where.persistenceId, where.seq, this.key + i, 'segment entry out of bounds');
    return start;
  }

  /** Entry i's record with its payload left undecoded, as a view into the reused buffer (for
   * the restart scan, which needs ids and seqs only). */
  header(i: number): StoredEvent {
    const start = this.entryStart(i, {});
    const end = i + 1 < this.count ? this.bytes.readUInt32LE(5 + 4 * (i + 1)) : this.length;
    return decodeRecord(this.bytes, { offset: this.key + i }, { start: start + ENTRY_HEADER, end });
  }

  /** Entry i (offset key + i). `where` names what the caller expects, for errors. */
  entry(i: number, where: { persistenceId?: string; seq?: number } = {}): SegmentEntry {
    const offset = this.key + i;
    if (i < 0 || i >= this.count) throw new CorruptEvent(where.persistenceId, where.seq, offset, `segment ${this.key} has no entry ${i}`);
    const start = this.bytes.readUInt32LE(5 + 4 * i);
    const end = i + 1 < this.count ? this.bytes.readUInt32LE(5 + 4 * (i + 1)) : this.length;
    if (start + ENTRY_HEADER > end || end > this.length)
      throw new CorruptEvent(where.persistenceId, where.seq, offset, 'segment entry out of bounds');
    const expect = { persistenceId: where.persistenceId, seq: where.seq, offset };
    const event = decodeRecord(this.bytes, expect, { start: start + ENTRY_HEADER, end, copyPayload: !this.stable, decode: true });
    return { event, prevOffset: this.bytes.readDoubleLE(start), prevSegment: this.bytes.readDoubleLE(start + 8) };
  }
}
