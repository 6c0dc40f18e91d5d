/**
 * Latency recording (HdrHistogram, microsecond resolution) and the report printed beside the
 * paper's figures.
 */
import hdr from 'hdr-histogram-js';

export class Recorder {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
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
}

export function figures(workload: 'write' | 'read', r: Recorder, seconds: number): Figures {
  return {
    workload, seconds, ok: r.ok, perSecond: r.ok / seconds,
    p50: r.percentileMs(50), p75: r.percentileMs(75), p95: r.percentileMs(95), p99: r.percentileMs(99), max: r.maxMs,
    errors: r.errors, timeouts: r.timeouts, errorKinds: Object.fromEntries(r.errorKinds),
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
} as const;

export function print(f: Figures): string {
  const paper = PAPER[f.workload];
  const target = TARGET[f.workload];
  const unit = paper.what;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  return [
    `${f.workload} workload: ${n(f.ok)} ${unit.split('/')[0]} in ${f.seconds.toFixed(1)} s`,
    `                 Aloft (this run)      paper (${paper.hardware})   target (2-core, this machine)`,
    `  throughput     ${`${n(f.perSecond)} ${unit}`.padEnd(22)}${`${n(paper.perSecond)} ${unit}`.padEnd(48)}>= ${n(target.perSecond)} ${unit}`,
    `  p75            ${ms(f.p75)}`,
    `  p95            ${ms(f.p95)}`,
    `  p99            ${ms(f.p99).padEnd(22)}${ms(paper.p99).padEnd(48)}<= ${target.p99} ms`,
    `  max            ${ms(f.max)}`,
    `  errors         ${f.errors} (${Object.entries(f.errorKinds).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}), timeouts ${f.timeouts}`,
  ].join('\n');
}
