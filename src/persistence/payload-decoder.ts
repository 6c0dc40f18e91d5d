/**
 * A fast path for decoding event payloads: the same plain msgpack bytes msgpackr writes, read
 * into objects built by cached constructors, one per sequence of keys ("shape").
 *
 * Why: reading the feed is bound by turning payloads into objects, and msgpackr's generic map
 * reader assigns each property with a computed key (~2 µs per event here). Events of one type
 * share their keys in the same order, so after the first one a generated `{ "_tag": v0, ... }`
 * literal builds each object in one step with a stable hidden class. The bytes do not change
 * (no msgpackr records, no shared structure table): any msgpack reader still reads the journal.
 *
 * Anything unusual (ext types, `__proto__` keys, non-string keys, malformed input) returns
 * NOT_HANDLED and the caller falls back to msgpackr, which also produces the error message.
 * test/persistence/codec.test.ts checks it against msgpackr on random values.
 */

export const NOT_HANDLED: unique symbol = Symbol('not handled');

interface Shape {
  /** Raw key bytes, to confirm a hash match is not a collision. */
  readonly keys: readonly Uint8Array[];
  readonly build: (values: unknown[]) => Record<string, unknown>;
}

const MAX_SHAPES = 2000;
/** Shapes by a hash of their key bytes (collisions resolved by comparing the bytes). */
const shapesByHash = new Map<number, Shape[]>();
let shapes = 0;

class Cursor {
  pos: number;
  constructor(
    readonly b: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
}

class Unhandled extends Error {}
const UNHANDLED = new Unhandled();

/** Decodes the msgpack value in b[start, end); NOT_HANDLED if this fast path does not cover it. */
export function decodeFast(b: Buffer, start: number, end: number): unknown {
  const c = new Cursor(b, start, end);
  try {
    const v = read(c);
    return c.pos === end ? v : NOT_HANDLED;
  } catch (e) {
    if (e === UNHANDLED || e instanceof RangeError) return NOT_HANDLED;
    throw e;
  }
}

function need(c: Cursor, n: number): void {
  if (c.pos + n > c.end) throw UNHANDLED;
}

/** Checks that n bytes remain, advances past them, returns where they start. */
function take(c: Cursor, n: number): number {
  need(c, n);
  const at = c.pos;
  c.pos += n;
  return at;
}

function read(c: Cursor): unknown {
  const b = c.b;
  const t = b[take(c, 1)] as number;
  if (t < 0x80) return t;
  if (t >= 0xe0) return t - 0x100;
  if (t <= 0x8f) return readMap(c, t & 0x0f);
  if (t <= 0x9f) return readArray(c, t & 0x0f);
  if (t <= 0xbf) return readString(c, t & 0x1f);
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xca:
      return b.readFloatBE(take(c, 4));
    case 0xcb:
      return b.readDoubleBE(take(c, 8));
    case 0xcc:
      return b[take(c, 1)];
    case 0xcd:
      return b.readUInt16BE(take(c, 2));
    case 0xce:
      return b.readUInt32BE(take(c, 4));
    case 0xd0:
      return b.readInt8(take(c, 1));
    case 0xd1:
      return b.readInt16BE(take(c, 2));
    case 0xd2:
      return b.readInt32BE(take(c, 4));
    case 0xd9:
      return readString(c, b[take(c, 1)] as number);
    case 0xda:
      return readString(c, b.readUInt16BE(take(c, 2)));
    case 0xdb:
      return readString(c, b.readUInt32BE(take(c, 4)));
    case 0xc4:
      return readBin(c, b[take(c, 1)] as number);
    case 0xc5:
      return readBin(c, b.readUInt16BE(take(c, 2)));
    case 0xdc:
      return readArray(c, b.readUInt16BE(take(c, 2)));
    case 0xde:
      return readMap(c, b.readUInt16BE(take(c, 2)));
    // uint64/int64 (msgpackr's int64AsType choices), map32/array32/bin32, ext: not ours.
    default:
      throw UNHANDLED;
  }
}

function readString(c: Cursor, n: number): string {
  const at = take(c, n);
  return utf8(c.b, at, at + n);
}

type Utf8Slicing = Buffer & { utf8Slice(start: number, end: number): string };

/**
 * UTF-8 bytes to a string. Event payloads are mostly short ASCII (codes, ids, tags): those go
 * through String.fromCharCode; the rest through Buffer's utf8Slice directly, skipping
 * toString()'s argument handling, which profiled as the largest cost of decoding a feed page.
 */
export function utf8(b: Buffer, start: number, end: number): string {
  if (end - start <= 12) {
    let ascii = true;
    for (let i = start; i < end; i++) if ((b[i] as number) >= 0x80) ascii = false;
    if (ascii) {
      switch (end - start) {
        case 0:
          return '';
        case 1:
          return String.fromCharCode(b[start] as number);
        case 2:
          return String.fromCharCode(b[start] as number, b[start + 1] as number);
        case 3:
          return String.fromCharCode(b[start] as number, b[start + 1] as number, b[start + 2] as number);
        default: {
          let s = '';
          for (let i = start; i < end; i++) s += String.fromCharCode(b[i] as number);
          return s;
        }
      }
    }
  }
  return (b as Utf8Slicing).utf8Slice(start, end);
}

function readBin(c: Cursor, n: number): Uint8Array {
  const at = take(c, n);
  // A copy, of the same kind msgpackr's copyBuffers gives (a Buffer, from a Buffer source).
  return Uint8Array.prototype.slice.call(c.b, at, at + n);
}

function readArray(c: Cursor, n: number): unknown[] {
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = read(c);
  return out;
}

/** Reads a key's str header; returns the key's byte length, the cursor at its first byte. */
function keyRange(c: Cursor): number {
  const t = c.b[take(c, 1)] as number;
  let n: number;
  if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f;
  else if (t === 0xd9) n = c.b[take(c, 1)] as number;
  else throw UNHANDLED; // non-string key, or a long one
  need(c, n);
  return n;
}

function readMap(c: Cursor, n: number): Record<string, unknown> {
  const values = new Array<unknown>(n);
  const keyStarts = new Array<number>(n);
  const keyLengths = new Array<number>(n);
  let shape: Shape | undefined;
  let hash = n;
  for (let i = 0; i < n; i++) {
    const len = keyRange(c);
    keyStarts[i] = c.pos;
    keyLengths[i] = len;
    for (let k = c.pos; k < c.pos + len; k++) hash = (Math.imul(hash, 31) + (c.b[k] as number)) | 0;
    c.pos += len;
    values[i] = read(c);
  }
  const bucket = shapesByHash.get(hash);
  if (bucket) {
    for (const s of bucket) {
      if (sameKeys(c.b, s.keys, keyStarts, keyLengths)) {
        shape = s;
        break;
      }
    }
  }
  if (!shape) {
    const keys = keyStarts.map((start, i) => Uint8Array.prototype.slice.call(c.b, start, start + (keyLengths[i] as number)));
    const names = keys.map((k) => Buffer.from(k).toString('utf8'));
    // Same outcome as msgpackr's object[key] = value, except __proto__, which it renames: leave
    // that (and oversized caches) to msgpackr.
    if (names.includes('__proto__') || shapes >= MAX_SHAPES) throw UNHANDLED;
    const body = `return {${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')}};`;
    shape = { keys, build: new Function('v', body) as Shape['build'] };
    shapes++;
    const list = shapesByHash.get(hash);
    if (list) list.push(shape);
    else shapesByHash.set(hash, [shape]);
  }
  return shape.build(values);
}

function sameKeys(b: Buffer, keys: readonly Uint8Array[], starts: number[], lengths: number[]): boolean {
  if (keys.length !== starts.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as Uint8Array;
    const start = starts[i] as number;
    if (key.length !== lengths[i]) return false;
    for (let k = 0; k < key.length; k++) if (key[k] !== b[start + k]) return false;
  }
  return true;
}
