/**
 * Golden bytes for the LMDB segment layout (lmdb-segment.ts): what every LMDB journal holds on
 * disk. A change that moves this test needs a new segment format number and a reader for 2.
 */
import t from 'tap';
import { encodeEvent } from '../../src/persistence/codec.ts';
import { isCorruptEvent } from '../../src/persistence/errors.ts';
import { SegmentReader, SegmentWriter } from '../../src/persistence/lmdb-segment.ts';

const SEGMENT =
  '02' + '02000000' + '0d000000' + '4c000000' + // format 2, 2 entries, entry starts 13 and 76
  '0000000000000000' + '0000000000000000' + // entry 0: no previous event
  '01010100' + '000000000000f03f' + '0000000000001c40' + '0000000000001440' + '01000000' + '61' + '45' + 'de0002a45f746167a145a16e01' +
  '0000000000001c40' + '0000000000001c40' + // entry 1: previous event at offset 7, segment 7
  '01010100' + '0000000000000040' + '0000000000002040' + '0000000000001440' + '01000000' + '61' + '45' + 'de0002a45f746167a145a16e02';

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
