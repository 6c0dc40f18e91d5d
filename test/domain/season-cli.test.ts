/**
 * The two command-line tools as a user runs them: generate a small season into a folder, check
 * it, and see the counts agree with violations.json; bad flags exit 2 with a reason.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'ops/season', script), ...args], { cwd: root, encoding: 'utf8' });

t.test('generate then check', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-season-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const gen = run('generate.ts', [
    '--out',
    dir,
    '--airplanes',
    '10',
    '--airports',
    '12',
    '--days',
    '5',
    '--seed',
    '4',
    '--continuity-rate',
    '0.05',
    '--duplicate-rate',
    '0.05',
  ]);
  t.equal(gen.status, 0, gen.stderr);
  const { injected, legCount } = JSON.parse(readFileSync(path.join(dir, 'violations.json'), 'utf8')) as {
    injected: { kind: string }[];
    legCount: number;
  };
  t.ok(injected.length > 0);
  const check = run('check.ts', [
    path.join(dir, 'season.ssim'),
    '--rotations',
    path.join(dir, 'rotations.csv'),
    '--airports',
    path.join(dir, 'airports.csv'),
    '--airplanes',
    path.join(dir, 'airplanes.csv'),
    '--show',
    '0',
  ]);
  t.equal(check.status, 1, 'violations make exit code 1');
  t.match(check.stdout, new RegExp(`imported ${legCount} legs in 10 rotations \\(0 problems\\)`));
  t.match(check.stdout, new RegExp(`continuity: ${injected.filter((v) => v.kind === 'continuity').length} violation`));
  t.match(check.stdout, new RegExp(`designator uniqueness: ${injected.filter((v) => v.kind === 'duplicate').length} violation`));
  t.match(check.stderr, /records, .* legs, 0 problems/, 'progress on stderr');
});

t.test('bad flags exit 2 with the reason', async (t) => {
  const r = run('generate.ts', ['--out', os.tmpdir(), '--days', 'many']);
  t.equal(r.status, 2);
  t.match(r.stderr, /--days must be a number, got "many"/);
});
