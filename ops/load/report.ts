/**
 * Latency recording (HdrHistogram, microsecond resolution) and the report printed beside the
 * paper's figures.
 */
import hdr from 'hdr-histogram-js';
import type { Cpu } from './cpu.ts';

export class Recorder {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  ok = 0;
  errors = 0;
  timeouts = 0;
  readonly errorKinds = new Map<string, number>();

  record(micros: number): void {
    this.ok++;
    this.histogram.recordValue(Math.max(1, Math.round(micros)));
  }

  error(kind: string): void {
    this.errors++;
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  percentileMs(p: number): number {
    return this.histogram.getValueAtPercentile(p) / 1000;
  }

  get maxMs(): number {
    return this.histogram.maxValue / 1000;
  }
}

export interface Figures {
  readonly workload: 'write' | 'read';
  readonly seconds: number;
  readonly ok: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly errorKinds: Record<string, number>;
  /** How the simulated users reached the server, e.g. "one per user" or "64 shared". */
  readonly connections?: string;
  readonly cpu?: Cpu;
  /** The write workload's closed loop against Aloft and the bare server (closed.ts). */
  readonly closed?: ClosedFigures;
}

export interface ClosedFigures {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly aloft: Figures;
  /** Absent with --no-baseline. */
  readonly bare?: Figures;
  /** aloft.perSecond / bare.perSecond. */
  readonly ratio?: number;
}

export function figures(workload: 'write' | 'read', r: Recorder, seconds: number, more: { connections?: string; cpu?: Cpu } = {}): Figures {
  return {
    workload,
    seconds,
    ok: r.ok,
    perSecond: r.ok / seconds,
    p50: r.percentileMs(50),
    p75: r.percentileMs(75),
    p95: r.percentileMs(95),
    p99: r.percentileMs(99),
    max: r.maxMs,
    errors: r.errors,
    timeouts: r.timeouts,
    errorKinds: Object.fromEntries(r.errorKinds),
    ...more,
  };
}

/** The paper's single-node figures (Dębski et al., load tests on one 4-core node). */
export const PAPER = {
  write: { perSecond: 4073, p99: 474, what: 'commands/s', hardware: '4-core node, Akka + Cassandra + Kafka' },
  read: { perSecond: 175, p99: 132, what: 'queries/s', hardware: '4-core read node, Neo4j' },
} as const;

export const TARGET = {
  write: { perSecond: 10_000, p99: 50 },
  read: { perSecond: 5_000, p99: 10 },
  /** The closed loop: Aloft's rate as a share of the bare server's, and its p99. */
  closed: { ratio: 0.25, p99: 50 },
} as const;

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(2)} ms`;
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${Math.round(x)}%`);
const errorText = (f: Figures) =>
  `${f.errors} (${
    Object.entries(f.errorKinds)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ') || 'none'
  }), timeouts ${f.timeouts}`;

export function print(f: Figures): string {
  const paper = PAPER[f.workload];
  const target = TARGET[f.workload];
  const unit = paper.what;
  const lines = [
    `${f.workload} workload: ${n(f.ok)} ${unit.split('/')[0]} in ${f.seconds.toFixed(1)} s`,
    `                 Aloft (this run)      paper (${paper.hardware})   target (2-core, this machine)`,
    `  throughput     ${`${n(f.perSecond)} ${unit}`.padEnd(22)}${`${n(paper.perSecond)} ${unit}`.padEnd(48)}>= ${n(target.perSecond)} ${unit}`,
    `  p75            ${ms(f.p75)}`,
    `  p95            ${ms(f.p95)}`,
    `  p99            ${ms(f.p99).padEnd(22)}${ms(paper.p99).padEnd(48)}<= ${target.p99} ms`,
    `  max            ${ms(f.max)}`,
    `  errors         ${errorText(f)}`,
  ];
  if (f.connections !== undefined) lines.push(`  connections    ${f.connections}`);
  if (f.cpu !== undefined)
    lines.push(`  CPU            load generator ${pct(f.cpu.client)} of a core, server ${pct(f.cpu.server)} (200% = both cores)`);
  if (f.closed !== undefined) lines.push('', printClosed(f.closed));
  return lines.join('\n');
}

function printClosed(c: ClosedFigures): string {
  const { aloft, bare } = c;
  const col = (a: string, b: string, ratio: string, target: string) => `${a.padEnd(22)}${b.padEnd(22)}${ratio.padEnd(14)}${target}`;
  const cell = (f: Figures | undefined, text: (f: Figures) => string) => (f === undefined ? 'skipped' : text(f));
  return [
    `closed loop: ${c.connections} connections, each sending its next command when the previous one is answered; ${aloft.seconds.toFixed(1)} s after a ${c.warmupSeconds} s warm-up`,
    `                 ${col('Aloft', 'bare uWS (no work)', 'Aloft/bare', 'target')}`,
    `  throughput     ${col(
      `${n(aloft.perSecond)} commands/s`,
      cell(bare, (b) => `${n(b.perSecond)} commands/s`),
      c.ratio === undefined ? '' : `${(c.ratio * 100).toFixed(1)}%`,
      `>= ${TARGET.closed.ratio * 100}% of bare`,
    )}`,
    `  p50            ${col(
      ms(aloft.p50),
      cell(bare, (b) => ms(b.p50)),
      '',
      '',
    )}`,
    `  p99            ${col(
      ms(aloft.p99),
      cell(bare, (b) => ms(b.p99)),
      '',
      `<= ${TARGET.closed.p99} ms`,
    )}`,
    `  max            ${col(
      ms(aloft.max),
      cell(bare, (b) => ms(b.max)),
      '',
      '',
    )}`,
    `  CPU, % of a core`,
    `    generator    ${col(
      pct(aloft.cpu?.client),
      cell(bare, (b) => pct(b.cpu?.client)),
      '',
      '',
    )}`,
    `    server       ${col(
      pct(aloft.cpu?.server),
      cell(bare, (b) => pct(b.cpu?.server)),
      '',
      '',
    )}`,
    `  errors         Aloft ${errorText(aloft)}${bare === undefined ? '' : `; bare ${errorText(bare)}`}`,
  ].join('\n');
}
