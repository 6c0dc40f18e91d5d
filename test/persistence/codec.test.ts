/**
 * Golden bytes for everything the journal writes to disk: event payloads, records, snapshots
 * and LMDB segments. If one of these moves, existing journals become unreadable: add a new
 * format number (and a reader for the old one) instead of editing the expected hex.
 */
import t from 'tap';
import fc from 'fast-check';
import {
  decodeRecord,
  encodeEvent,
  encodeRecord,
  encodeSnapshotRecord,
  decodeSnapshotRecord,
  decodePayload,
} from '../../src/persistence/codec.ts';
import { isCorruptEvent, isInvalidAppend } from '../../src/persistence/errors.ts';
import { SegmentReader, SegmentWriter } from '../../src/persistence/lmdb-segment.ts';
import { NOT_HANDLED, decodeFast } from '../../src/persistence/payload-decoder.ts';
import { Packr } from 'msgpackr';
import { isDeepStrictEqual } from 'node:util';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const event = { _tag: 'LegAdded', version: 2, flight: 'LH400', dep: 1700000000000, legs: [1, -2], ok: true };
const PAYLOAD =
  'de0006a45f746167a84c65674164646564a776657273696f6e02a6666c69676874a54c48343030a3646570cb4278bcfe56800000a46c6567739201fea26f6bc3';
const RECORD =
  '01080500' + // format 1, type length 8, id length 5
  '0000000000000840' + // seq 3 (f64 LE)
  '0000000000003140' + // offset 17
  '00b08756febc7842' + // timestamp 1700000000123
  '02000000' + // version 2
  '726f742d31' + // "rot-1"
  '4c65674164646564' + // "LegAdded"
  PAYLOAD;

t.test('event payloads are plain msgpack maps, pinned', async (t) => {
  const e = encodeEvent(event);
  t.equal(hex(e.payload), PAYLOAD);
  t.equal(e.type, 'LegAdded');
  t.equal(e.version, 2);
  t.same(decodePayload(e.payload), event);
  t.equal(encodeEvent({ _tag: 'X' }).version, 1, 'version defaults to 1');
});

t.test('the stored record layout is pinned', async (t) => {
  const e = encodeEvent(event);
  const record = encodeRecord({ ...e, persistenceId: 'rot-1', seq: 3, offset: 17, timestamp: 1700000000123 });
  t.equal(hex(record), RECORD);
  const back = decodeRecord(Buffer.from(RECORD, 'hex'), { offset: 17 });
  t.match(back, { persistenceId: 'rot-1', seq: 3, offset: 17, timestamp: 1700000000123, type: 'LegAdded', version: 2 });
  t.equal(hex(back.payload), PAYLOAD);
  // The scratch-buffer path writes the same bytes.
  const scratch = Buffer.alloc(4096, 0xaa);
  t.equal(hex(encodeRecord({ ...e, persistenceId: 'rot-1', seq: 3, offset: 17, timestamp: 1700000000123 }, scratch)), RECORD);
});

t.test('the snapshot record layout is pinned', async (t) => {
  const bytes = encodeSnapshotRecord({ persistenceId: 'rot-1', seq: 3, timestamp: 5, state: new Uint8Array([0x80]) });
  t.equal(hex(bytes), '9501a5726f742d310305c40180');
  t.match(decodeSnapshotRecord(bytes, 'rot-1', 3), { seq: 3, timestamp: 5 });
});

t.test('damaged records are CorruptEvent naming what the key knows', async (t) => {
  const good = Buffer.from(RECORD, 'hex');
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['wrong format byte', Buffer.concat([Buffer.from([9]), good.subarray(1)])],
    ['truncated header', good.subarray(0, 20)],
    ['truncated id', good.subarray(0, 34)],
  ];
  for (const [name, bytes] of cases) {
    let err: unknown;
    try {
      decodeRecord(bytes, { persistenceId: 'rot-1', seq: 3, offset: 17 });
    } catch (e) {
      err = e;
    }
    t.ok(isCorruptEvent(err), name);
    t.match(err, { persistenceId: 'rot-1', seq: 3, offset: 17 }, name);
  }
  let mismatch: unknown;
  try {
    decodeRecord(good, { offset: 18 });
  } catch (e) {
    mismatch = e;
  }
  t.match(mismatch, { _tag: 'CorruptEvent', offset: 18, persistenceId: 'rot-1', seq: 3 }, 'a record found under the wrong key');
});

t.test('what cannot be an event is refused before storage', async (t) => {
  for (const bad of [{}, { _tag: '' }, { _tag: 'E', version: 1.5 }, { _tag: 'E', big: 2n ** 70n }]) {
    let err: unknown;
    try {
      encodeEvent(bad as never);
    } catch (e) {
      err = e;
    }
    t.ok(
      isInvalidAppend(err),
      JSON.stringify(bad, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
  }
});

t.test('property: any plain event round-trips through payload and record', async (t) => {
  const plain = fc.dictionary(
    fc.string({ maxLength: 8 }).filter((k) => k !== '_tag' && k !== 'version' && k !== '__proto__'),
    fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 4 }),
    ),
    { maxKeys: 6 },
  );
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 20 }),
      plain,
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      (tag, fields, id, seq) => {
        const ev = { ...fields, _tag: tag };
        const e = encodeEvent(ev);
        const r = decodeRecord(encodeRecord({ ...e, persistenceId: id, seq, offset: seq + 1, timestamp: 7 }), {});
        return r.persistenceId === id && r.seq === seq && r.type === tag && JSON.stringify(decodePayload(r.payload)) === JSON.stringify(ev);
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random events round-tripped');
});

// LMDB segments (lmdb-segment.ts): what every LMDB journal holds on disk.
const SEGMENT =
  '02' +
  '02000000' +
  '0d000000' +
  '4c000000' + // format 2, 2 entries, entry starts 13 and 76
  '0000000000000000' +
  '0000000000000000' + // entry 0: no previous event
  '01010100' +
  '000000000000f03f' +
  '0000000000001c40' +
  '0000000000001440' +
  '01000000' +
  '61' +
  '45' +
  'de0002a45f746167a145a16e01' +
  '0000000000001c40' +
  '0000000000001c40' + // entry 1: previous event at offset 7, segment 7
  '01010100' +
  '0000000000000040' +
  '0000000000002040' +
  '0000000000001440' +
  '01000000' +
  '61' +
  '45' +
  'de0002a45f746167a145a16e02';

t.test('the segment layout is pinned', async (t) => {
  const w = new SegmentWriter();
  w.add({ ...encodeEvent({ _tag: 'E', n: 1 }), persistenceId: 'a', seq: 1, offset: 7, timestamp: 5 }, 0, 0);
  w.add({ ...encodeEvent({ _tag: 'E', n: 2 }), persistenceId: 'a', seq: 2, offset: 8, timestamp: 5 }, 7, 7);
  t.equal(w.finish().toString('hex'), SEGMENT);
  w.reset();
  t.equal(w.count, 0, 'reset empties the writer');
});

t.test('a reader finds entries, links and headers without walking the segment', async (t) => {
  const bytes = Buffer.from(SEGMENT, 'hex');
  // lmdb-js hands out buffers longer than the value: the reader must use the length it is given.
  const padded = Buffer.concat([bytes, Buffer.alloc(64, 0xee)]);
  const r = SegmentReader.open(padded, bytes.length, 7);
  t.equal(r.count, 2);
  const second = r.entry(1, { persistenceId: 'a', seq: 2 });
  t.match(second.event, { persistenceId: 'a', seq: 2, offset: 8, type: 'E', decoded: { _tag: 'E', n: 2 } });
  t.same([second.prevOffset, second.prevSegment], [7, 7]);
  t.same(r.link(0), { prevOffset: 0, prevSegment: 0 });
  t.equal(r.header(0).seq, 1);
  const wrongKey = (() => {
    try {
      SegmentReader.open(padded, bytes.length, 9).entry(0);
    } catch (e) {
      return e;
    }
  })();
  t.ok(isCorruptEvent(wrongKey), 'a segment under the wrong key is detected by its records');
  const notSegment = (() => {
    try {
      SegmentReader.open(Buffer.from([1, 2, 3]), 3, 1);
    } catch (e) {
      return e;
    }
  })();
  t.match(notSegment, { _tag: 'CorruptEvent', offset: 1 });
});

// The payload fast path (payload-decoder.ts) must read exactly what msgpackr reads.
t.test('property: the payload fast path decodes what msgpackr decodes, or defers to it', async (t) => {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number', copyBuffers: true });
  const key = fc.oneof(
    fc.constantFrom('_tag', 'version', 'flight', 'dep', '__proto__', 'constructor', '1', ''),
    fc.string({ maxLength: 40 }),
  );
  const leaf = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.integer(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 5 }), fc.dictionary(key, tie('v'), { maxKeys: 6 })),
  })).v;
  let fast = 0;
  fc.assert(
    fc.property(value, (v) => {
      const bytes = Buffer.from(packr.pack(v));
      const got = decodeFast(bytes, 0, bytes.length);
      if (got === NOT_HANDLED) return true;
      fast++;
      // Node's deep strict equality: same types and values (tap's strictSame also compares
      // object identities, which msgpackr and the fast path need not share).
      return isDeepStrictEqual(got, packr.unpack(bytes));
    }),
    { numRuns: 500 },
  );
  t.ok(fast > 250, `${fast} of 500 values took the fast path`);
  // Events of one shape reuse one constructor, and a different key order is a different shape.
  const a = decodeFast(Buffer.from(packr.pack({ _tag: 'E', x: 1, y: 2 })), 0, Infinity);
  t.equal(a, NOT_HANDLED, 'an end past the bytes is not silently accepted');
  const bytes1 = Buffer.from(packr.pack({ _tag: 'E', x: 1, y: 2 }));
  const bytes2 = Buffer.from(packr.pack({ _tag: 'E', y: 2, x: 1 }));
  t.same(Object.keys(decodeFast(bytes1, 0, bytes1.length) as object), ['_tag', 'x', 'y']);
  t.same(Object.keys(decodeFast(bytes2, 0, bytes2.length) as object), ['_tag', 'y', 'x']);
  t.equal(decodeFast(Buffer.from([0xde, 0x00]), 0, 2), NOT_HANDLED, 'truncated input defers to msgpackr');
});
