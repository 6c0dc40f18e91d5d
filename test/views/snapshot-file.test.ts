import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSnapshotFile, writeSnapshotFile } from '../../src/views/snapshot-file.ts';
import { VIEW_SNAPSHOT_FORMAT, type ViewSnapshot } from '../../src/views/snapshot-format.ts';
import type { Leg } from '../../src/domain/index.ts';

function leg(r: number, k: number): Leg {
  const dep = Date.UTC(2026, 5, 1) + (r * 10 + k) * 3_600_000;
  return {
    id: `L${r}-${k}`,
    carrier: 'LT',
    flightNumber: 1 + ((r * 7 + k) % 9999),
    suffix: '',
    dateOfOrigin: '2026-06-01',
    departureAirport: 'FRA',
    arrivalAirport: 'MUC',
    departureUtc: dep,
    arrivalUtc: dep + 3_600_000,
    aircraftType: k % 2 ? '320' : null,
    serviceType: 'J',
  };
}

t.test('a snapshot written in slices reads back whole, and the event loop runs while it is written', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-snapfile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rotations = Array.from(
    { length: 5_003 },
    (_, r) => [`R${r}`, r % 7 !== 0, Array.from({ length: r % 4 }, (_, k) => leg(r, k))] as const,
  );
  const snapshot: ViewSnapshot = {
    format: VIEW_SNAPSHOT_FORMAT,
    offset: 12_345,
    counters: { applied: 12_345, duplicates: 3, gaps: 0 },
    dedup: [
      ['a', 1],
      ['b', 2],
    ],
    airports: [['FRA', 45]],
    airplanes: [
      ['D-AIAA', true, '320', 30, 'R1'],
      ['D-AIAB', false, '321', 40, null],
    ],
    rotations,
  };
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const file = path.join(dir, 'view.snapshot');
  const bytes = await writeSnapshotFile(file, snapshot);
  clearInterval(ticker);
  t.ok(bytes > 5_003 * 4, `${bytes} bytes`);
  t.ok(turns > 0, `timers ran ${turns} times while the file was encoded`);
  t.same(await readSnapshotFile(file), snapshot);
});
