/**
 * The embedded view's snapshot on disk: one msgpack file holding graph, offset, dedup filter and
 * counters, replaced atomically (write a temp file, fsync, rename, fsync the directory). A crash
 * at any point leaves either the old snapshot or the new one, never a torn one and never a
 * state paired with another state's offset: that is "offset and dedup stored atomically with the
 * view" for a view whose state otherwise lives in memory.
 */
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { Packr } from 'msgpackr';
import { upcastViewSnapshot, VIEW_SNAPSHOT_FORMAT, type ViewSnapshot } from './snapshot-format.ts';

// Plain maps and arrays only; records off so the file does not depend on a structure table.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Legs (and rotations) encoded per slice; the event loop runs between slices. */
const SLICE = 5_000;

/**
 * The snapshot as one msgpack map, encoded a slice of about SLICE legs at a time with a turn of the event
 * loop between slices: a season's view takes hundreds of milliseconds to encode, which in one
 * piece would stall every request on the thread. `snapshot` must not change meanwhile (the
 * view hands out copies of its arrays).
 */
async function encode(snapshot: ViewSnapshot): Promise<Buffer> {
  const parts: Buffer[] = [];
  const entries = Object.entries(snapshot);
  parts.push(mapHeader(entries.length));
  for (const [key, value] of entries) {
    parts.push(packr.pack(key));
    if (key !== 'rotations') {
      parts.push(packr.pack(value));
      continue;
    }
    const rotations = value as ViewSnapshot['rotations'];
    parts.push(arrayHeader(rotations.length));
    let legs = 0;
    for (const rotation of rotations) {
      if (legs >= SLICE) {
        await new Promise<void>((r) => setImmediate(r));
        legs = 0;
      }
      parts.push(packr.pack(rotation));
      legs += rotation[2].length + 1;
    }
  }
  return Buffer.concat(parts);
}

function mapHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x80 | n]);
  const b = Buffer.alloc(5);
  b[0] = 0xdf;
  b.writeUInt32BE(n, 1);
  return b;
}

function arrayHeader(n: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0xdd;
  b.writeUInt32BE(n, 1);
  return b;
}

export async function writeSnapshotFile(file: string, snapshot: ViewSnapshot): Promise<number> {
  const bytes = await encode(snapshot);
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  // The rename itself is durable only once the directory is synced.
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return bytes.length;
}

/** The snapshot in `file`, or undefined if there is none yet. */
export async function readSnapshotFile(file: string): Promise<ViewSnapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const s = upcastViewSnapshot(packr.unpack(bytes));
  if (s === undefined) throw new Error(`${file} is not a view snapshot of format 1 or ${VIEW_SNAPSHOT_FORMAT}`);
  return s;
}
