/**
 * Verification of the event topic, as pure functions over the records read from it (no Kafka
 * here, so the rule is unit-tested without a server; ops/consume/run.ts and the chaos checks
 * feed it).
 *
 * The rule is the documented consumer rule (src/persistence/dedup.ts, DedupFilter): delivery is
 * at least once, so a consumer keeps the last seq it applied per aggregate and drops anything at
 * or below it. After that, each aggregate's seqs must be 1, 2, 3, ... in the order read:
 *
 * - a seq more than one past the last applied is a *gap* (something is missing before it);
 * - a seq at or below the last applied that was never seen before is a *reorder* (it arrived
 *   after a later one). DedupFilter alone would drop it silently as a duplicate, which is why
 *   the verifier also remembers every (aggregate, seq) it saw;
 * - a seq seen before is a *duplicate* (a re-publish, or an append the CQL feed holds twice after
 *   a repair, at another feed offset), dropped; if its content differs from the first copy
 *   (another event type, or another event when both carry a digest) it is a *conflict*: two
 *   different events claim one place in the aggregate's history.
 */
import { DedupFilter } from '../../src/persistence/dedup.ts';

/** One record of the topic, decoded: where it was in Kafka and which event it carries. */
export interface TopicRecord {
  readonly partition: number;
  /** The Kafka offset within the partition (a string, as kafkajs gives it: it can pass 2^53). */
  readonly kafkaOffset: string;
  readonly persistenceId: string;
  readonly seq: number;
  /** The event's offset in the journal's global feed. */
  readonly feedOffset: number;
  readonly type: string;
  /** The event's content, canonical (eventDigest), to tell a repeat from a different event. */
  readonly digest?: string;
}

/** JSON with object keys sorted: equal events give equal digests whatever their key order. */
export function eventDigest(event: unknown): string {
  return JSON.stringify(event, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export type AnomalyKind = 'gap' | 'reorder' | 'conflict';

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly persistenceId: string;
  /** The seq the rule expected next (last applied + 1). */
  readonly expected: number;
  readonly got: number;
  readonly partition: number;
  readonly kafkaOffset: string;
  readonly detail: string;
}

export interface VerifyReport {
  readonly records: number;
  readonly duplicates: number;
  /** Records kept after the dedup rule (gaps and reorders included: they are events too). */
  readonly distinct: number;
  readonly aggregates: number;
  readonly anomalies: readonly Anomaly[];
  /** No gap, reorder or conflict. */
  readonly ok: boolean;
}

/** What the first copy of each (aggregate, seq) carried, to tell a re-publish from a conflict. */
interface Seen {
  readonly feedOffset: number;
  readonly type: string;
  readonly digest: string | undefined;
}

/**
 * Feed it records in the order read, partition by partition or interleaved (an aggregate lives in
 * one partition, so the order of one partition's records is the aggregate's order).
 */
export class TopicVerifier {
  private readonly filter = new DedupFilter();
  private readonly seen = new Map<string, Seen>();
  private readonly anomalies: Anomaly[] = [];
  /** The distinct events by (aggregate, seq): what check 5 compares with the journal's feed. */
  readonly events = new Map<string, TopicRecord>();
  private records = 0;
  private duplicates = 0;

  /** Classifies one record; returns what the rule made of it. */
  add(r: TopicRecord): 'new' | 'duplicate' | AnomalyKind {
    this.records++;
    const slot = `${r.persistenceId}#${r.seq}`;
    const first = this.seen.get(slot);
    const expected = this.filter.lastSeq(r.persistenceId) + 1;
    const anomaly = (kind: AnomalyKind, detail: string): AnomalyKind => {
      this.anomalies.push({
        kind,
        persistenceId: r.persistenceId,
        expected,
        got: r.seq,
        partition: r.partition,
        kafkaOffset: r.kafkaOffset,
        detail,
      });
      return kind;
    };
    if (first) {
      this.duplicates++;
      if (first.type !== r.type || (first.digest !== undefined && r.digest !== undefined && first.digest !== r.digest)) {
        return anomaly(
          'conflict',
          `seq ${r.seq} first as ${first.type} at feed offset ${first.feedOffset}, again as ${r.type} at feed offset ${r.feedOffset}`,
        );
      }
      return 'duplicate';
    }
    this.seen.set(slot, { feedOffset: r.feedOffset, type: r.type, digest: r.digest });
    this.events.set(slot, r);
    const verdict = this.filter.check(r.persistenceId, r.seq);
    if (verdict === 'new') return 'new';
    if (verdict === 'gap')
      return anomaly(
        'gap',
        `seq ${r.seq} after ${expected - 1}: seq ${expected}${r.seq - 1 > expected ? `..${r.seq - 1}` : ''} missing before it`,
      );
    // DedupFilter calls it a duplicate, but this seq was never read before: it came late.
    return anomaly('reorder', `seq ${r.seq} read after seq ${expected - 1}`);
  }

  report(): VerifyReport {
    return {
      records: this.records,
      duplicates: this.duplicates,
      distinct: this.events.size,
      aggregates: new Set([...this.events.values()].map((e) => e.persistenceId)).size,
      anomalies: [...this.anomalies],
      ok: this.anomalies.length === 0,
    };
  }
}

export function verifyRecords(records: Iterable<TopicRecord>): { readonly report: VerifyReport; readonly verifier: TopicVerifier } {
  const verifier = new TopicVerifier();
  for (const r of records) verifier.add(r);
  return { report: verifier.report(), verifier };
}

/** What the journal says an event is, for the comparison (an EventEnvelope has these fields). */
export interface JournalEventRef {
  readonly persistenceId: string;
  readonly seq: number;
  readonly offset: number;
  readonly type: string;
  /** The event itself, compared with the topic copy's digest when both are there. */
  readonly event?: unknown;
}

export interface FeedComparison {
  /** Journal events with no copy on the topic. */
  readonly missing: number;
  /** Distinct topic events the journal does not have at that (aggregate, seq), or has as another event. */
  readonly foreign: number;
  /** Up to 20 examples of each, for the report. */
  readonly examples: readonly string[];
}

/**
 * Compares the topic's distinct events with the journal's feed: every journal event must be on
 * the topic as the same event (same feed offset and type), and the topic must hold nothing else.
 * `upTo` limits the comparison to the feed up to an offset (a publisher that has not caught up
 * yet is not missing what it has not reached).
 */
export function compareWithFeed(verifier: TopicVerifier, feed: Iterable<JournalEventRef>, upTo = Number.POSITIVE_INFINITY): FeedComparison {
  const examples: string[] = [];
  const example = (line: string) => {
    if (examples.length < 20) examples.push(line);
  };
  let missing = 0;
  let foreign = 0;
  const matched = new Set<string>();
  for (const e of feed) {
    if (e.offset > upTo) continue;
    const slot = `${e.persistenceId}#${e.seq}`;
    // A second feed entry at a seq is the journal's own repeat (the chaos journal checks judge it).
    if (matched.has(slot)) continue;
    const t = verifier.events.get(slot);
    if (!t) {
      missing++;
      example(`missing: ${e.persistenceId} seq ${e.seq} (${e.type}, feed offset ${e.offset})`);
    } else if (t.type !== e.type || (t.digest !== undefined && e.event !== undefined && t.digest !== eventDigest(e.event))) {
      foreign++;
      example(
        `differs: ${e.persistenceId} seq ${e.seq} is ${e.type} in the journal, ${t.type}${t.type === e.type ? ' with other content' : ''} on the topic`,
      );
    }
    matched.add(slot);
  }
  for (const [slot, t] of verifier.events) {
    if (matched.has(slot) || t.feedOffset > upTo) continue;
    foreign++;
    example(
      `not in the journal: ${t.persistenceId} seq ${t.seq} (${t.type}, feed offset ${t.feedOffset}, partition ${t.partition} offset ${t.kafkaOffset})`,
    );
  }
  return { missing, foreign, examples };
}
