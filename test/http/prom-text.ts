/**
 * Reads the Prometheus text exposition format (what GET /metrics answers) for the tests: every
 * sample with its labels, and each metric family's type.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Family name -> type (counter, gauge, histogram, summary, untyped). */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m) types.set(m[1] as string, m[2] as string);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** The samples of `name` whose labels include every pair of `labels`. */
export function select(e: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one value of `name` with `labels`; throws when there is none or more than one. */
export function value(e: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = select(e, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return (found[0] as Sample).value;
}

/**
 * The family a sample name belongs to: itself, or for `_bucket`, `_sum`, `_count` (and a
 * summary's `_sum`/`_count`) the histogram or summary it is part of, when the exposition has one
 * by that name. A counter named `x_count` stays `x_count`.
 */
export function familyOf(e: Exposition, sampleName: string): string {
  if (e.types.has(sampleName)) return sampleName;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  if (m) {
    const base = m[1] as string;
    const type = e.types.get(base);
    if (type === 'histogram' || (type === 'summary' && m[2] !== 'bucket')) return base;
  }
  return sampleName;
}
