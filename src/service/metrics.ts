/**
 * The service's metrics on its Metrics registry (src/http/metrics.ts has the HTTP histogram and
 * the process metrics). Almost everything here is read at scrape time from state the modules keep
 * anyway (collect callbacks): the gateway's and the region's counters, the view pool's lag, the
 * cluster's member view, the importer's jobs. Nothing on the write path allocates for a metric.
 *
 * Scope, since a member exports only its own: counters count since this process started. Actor
 * figures are per thread (label `thread`, 0 the main thread): a worker's come from its
 * `thread-stats` actor, asked at each scrape; a worker that does not answer within a second is
 * left out of that scrape.
 */
import { Counter, Gauge, Histogram, type LabelValues, type Registry } from 'prom-client';
import type { AloftNode } from '../actors/index.ts';
import { DEAD_LETTER_REASONS } from '../actors/dead-letters.ts';
import { THREAD_STATS_PATH, threadStats, type ThreadStats, type ThreadStatsMsg } from '../actors/thread-stats.ts';
import type { BackendState } from '../app/feed-job.ts';
import { COMMAND_OUTCOMES, type CommandGateway } from '../app/gateway.ts';
import type { Importer } from '../app/importer.ts';
import type { ImportState } from '../app/import-record.ts';
import type { ClusterNode } from '../cluster/index.ts';
import type { MemberStatus } from '../cluster/member.ts';
import type { ShardRegion } from '../cluster/sharding/region.ts';
import type { Metrics } from '../http/metrics.ts';
import { EventJournal, type Journal } from '../persistence/index.ts';
import { LmdbStore } from '../persistence/lmdb-store.ts';
import type { ReplicaState, ViewPool } from '../views/index.ts';

export interface ServiceMetricsSources {
  readonly journal: Journal;
  /** False while the journal is known to be unreachable. */
  readonly journalReachable: () => boolean;
  readonly node: AloftNode;
  readonly region: ShardRegion;
  readonly gateway: CommandGateway;
  readonly views: ViewPool;
  readonly importer: Importer;
  readonly cluster: ClusterNode | undefined;
  /** The journal, and the publisher and graph projection where they run on this member. */
  readonly backends: () => readonly BackendState[];
  /** Assignment sagas not finished, as the keeper sees them (0 where it does not run). */
  readonly unfinishedSagas: () => number;
}

type Rows<L extends string> = ReadonlyArray<readonly [LabelValues<L>, number]>;

const MEMBER_STATUSES: readonly MemberStatus[] = ['joining', 'up', 'leaving', 'exiting', 'down', 'removed'];
const REPLICA_STATES: readonly ReplicaState[] = ['rebuilding', 'ready', 'failed'];
const IMPORT_STATES: readonly ImportState[] = ['parsing', 'applying', 'done', 'rejected', 'failed'];
const THREAD_TIMEOUT_MS = 1_000;

/** Registers the service's metrics on its registry. */
export function serviceMetrics(metrics: Metrics, s: ServiceMetricsSources): void {
  const r = metrics.registry;
  const { region, node } = s;

  counter(
    r,
    'aloft_commands_total',
    'Commands sent through this member (HTTP and imports) to rotations, airplanes and airports, by outcome: accepted, rejected (a domain rule), failed (not stored), unavailable (not applied), outcome_unknown (its member was lost), timeout, error.',
    ['aggregate', 'outcome'],
    () => {
      const rows: [LabelValues<'aggregate' | 'outcome'>, number][] = [];
      for (const [aggregate, counts] of Object.entries(s.gateway.outcomes))
        for (const outcome of COMMAND_OUTCOMES) rows.push([{ aggregate, outcome }, counts[outcome]]);
      return rows;
    },
  );

  gauge(r, 'aloft_journal_head_offset', 'Last durable offset of the global feed, as this member reads it.', [], async () => [
    [{}, await s.journal.headOffset()],
  ]);
  gauge(r, 'aloft_journal_reachable', '1 while the journal answers, 0 while it is unreachable.', [], () => [
    [{}, s.journalReachable() ? 1 : 0],
  ]);
  journalCommits(r, s.journal);

  // Actors, per thread.
  const threads = threadStatsSource(node);
  gauge(r, 'aloft_actors', 'Live actors, by thread (0: the main thread; entities run there with --workers 0).', ['thread'], async () =>
    (await threads()).map(([thread, t]) => [{ thread }, t.actors]),
  );
  gauge(r, 'aloft_mailbox_messages', 'Messages queued in the mailboxes of a thread, all actors together.', ['thread'], async () =>
    (await threads()).map(([thread, t]) => [{ thread }, t.mailboxMessages]),
  );
  gauge(r, 'aloft_mailbox_messages_max', 'The most messages queued in any one mailbox of a thread.', ['thread'], async () =>
    (await threads()).map(([thread, t]) => [{ thread }, t.mailboxMaxMessages]),
  );
  counter(
    r,
    'aloft_dead_letters_total',
    'Messages not delivered, by thread and reason (no-such-actor, mailbox-full, stopped, no-route, link-overflow, late-reply).',
    ['thread', 'reason'],
    async () =>
      (await threads()).flatMap(([thread, t]) => DEAD_LETTER_REASONS.map((reason) => [{ thread, reason }, t.deadLetters[reason]] as const)),
  );
  counter(
    r,
    'aloft_entities_passivated_lru_total',
    'Entities stopped because their thread reached its --max-entities share, by thread (wherever the entities run: the main thread or the workers).',
    ['thread'],
    async () => (await threads()).map(([thread, t]) => [{ thread }, t.lruPassivations]),
  );

  // Sharding.
  gauge(
    r,
    'aloft_shards',
    'Shards of this member by state: active (its entities run here), waiting (for their release elsewhere), releasing.',
    ['state'],
    () => {
      const c = region.counts();
      return [
        [{ state: 'active' }, c.active],
        [{ state: 'waiting' }, c.waiting],
        [{ state: 'releasing' }, c.releasing],
      ];
    },
  );
  gauge(r, 'aloft_shard_buffered_messages', 'Messages held for shards in handoff.', [], () => [[{}, region.counts().buffered]]);
  counter(
    r,
    'aloft_shard_messages_total',
    'Entity messages routed by this member: delivered here, forwarded to another member, buffered during a handoff, refused (owner unreachable, buffer full).',
    ['result'],
    () => [
      [{ result: 'delivered' }, region.stats.delivered],
      [{ result: 'forwarded' }, region.stats.forwarded],
      [{ result: 'buffered' }, region.stats.buffered],
      [{ result: 'refused' }, region.stats.refused],
    ],
  );
  counter(r, 'aloft_shard_handoffs_total', 'Shard handoffs: in (taken over by this member), out (released by it).', ['direction'], () => [
    [{ direction: 'in' }, region.stats.handoffs],
    [{ direction: 'out' }, region.stats.releases],
  ]);
  counter(
    r,
    'aloft_shard_handoff_timeouts_total',
    'Shards started here without their previous owner confirming the release in time.',
    [],
    () => [[{}, region.stats.handoffTimeouts]],
  );
  counter(
    r,
    'aloft_shard_asks_lost_total',
    'Asks answered outcome-unknown because the member they were sent to was lost before answering.',
    [],
    () => [[{}, region.stats.lostInFlight]],
  );

  // Views, feed followers, sagas.
  gauge(r, 'aloft_view_lag_events', 'Events between the feed head and what a schedule-view replica applied, by replica.', ['replica'], () =>
    s.views.lag().map((l) => [{ replica: l.name }, l.lag]),
  );
  gauge(r, 'aloft_view_replicas', 'Schedule-view replicas of this member by state (ready ones answer queries).', ['state'], () =>
    countBy('state', REPLICA_STATES, s.views.lag(), (l) => l.state),
  );
  gauge(
    r,
    'aloft_publisher_lag_events',
    'Events stored but not yet published to Kafka, on the member running the publisher (0 elsewhere).',
    [],
    () => [[{}, s.backends().find((b) => b.name === 'publisher')?.lag ?? 0]],
  );
  gauge(
    r,
    'aloft_graph_lag_events',
    'Events stored but not yet in the graph, on the member running the graph projection (0 elsewhere).',
    [],
    () => [[{}, s.backends().find((b) => b.name === 'graph')?.lag ?? 0]],
  );
  gauge(
    r,
    'aloft_assignment_sagas_unfinished',
    'Assignment sagas not finished, as the keeper sees them (on the member running it; 0 elsewhere).',
    [],
    () => [[{}, s.unfinishedSagas()]],
  );

  // Cluster: as this member sees it (every member reports the whole cluster; 0 on a node alone).
  gauge(
    r,
    'aloft_cluster_members',
    'Cluster members by status, as this member sees them (0 on a node started without a cluster).',
    ['status'],
    () => countBy('status', MEMBER_STATUSES, s.cluster?.view().members ?? [], (m) => m.status),
  );
  gauge(r, 'aloft_cluster_members_unreachable', 'Members this member finds unreachable.', [], () => [
    [{}, (s.cluster?.view().members ?? []).filter((m) => !m.reachable).length],
  ]);

  // Imports run by this member.
  gauge(r, 'aloft_imports', 'Imports run on this member since it started, by state.', ['state'], () =>
    countBy('state', IMPORT_STATES, s.importer.local(), (j) => j.state),
  );
  gauge(
    r,
    'aloft_import_commands',
    'Commands of the imports running on this member: total planned, applied, rejected. (applied + rejected) / total is their progress.',
    ['result'],
    () => {
      let total = 0;
      let applied = 0;
      let rejected = 0;
      for (const j of s.importer.local()) {
        if (j.state !== 'parsing' && j.state !== 'applying') continue;
        total += j.commandsTotal;
        applied += j.commandsApplied;
        rejected += j.commandsRejected;
      }
      return [
        [{ result: 'total' }, total],
        [{ result: 'applied' }, applied],
        [{ result: 'rejected' }, rejected],
      ];
    },
  );
}

/** Group-commit latency and size, where this member writes an LMDB journal itself. */
function journalCommits(r: Registry, journal: Journal): void {
  const duration = new Histogram({
    name: 'aloft_journal_commit_duration_seconds',
    help: 'LMDB journal group commits on this member: time from a commit start to its acknowledgement (fsync included with --durability flush). None on members without the LMDB journal.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [r],
  });
  const size = new Histogram({
    name: 'aloft_journal_commit_appends',
    help: 'Appends (one per command that stored events) per LMDB group commit on this member: the group-commit factor.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    registers: [r],
  });
  const store = journal instanceof EventJournal ? journal.store : undefined;
  if (!(store instanceof LmdbStore)) return;
  store.observeCommits((appends, seconds) => {
    duration.observe(seconds);
    size.observe(appends);
  });
}

/**
 * Every actor thread's stats for one scrape: the main thread's read here, each worker's asked of
 * its thread-stats actor. The metrics of one scrape are collected together and share one round.
 */
function threadStatsSource(node: AloftNode): () => Promise<ReadonlyArray<readonly [string, ThreadStats]>> {
  let round: Promise<ReadonlyArray<readonly [string, ThreadStats]>> | undefined;
  const ask = async (thread: number): Promise<readonly [string, ThreadStats] | undefined> => {
    if (thread === node.system.thread) return [String(thread), threadStats(node.system)];
    const ref = node.system.ref<ThreadStatsMsg>({ node: node.system.node, thread, path: THREAD_STATS_PATH });
    try {
      return [String(thread), await ref.ask<ThreadStats>((replyTo) => ({ _tag: 'GetThreadStats', replyTo }), THREAD_TIMEOUT_MS)];
    } catch {
      return undefined;
    }
  };
  return () =>
    (round ??= Promise.all(node.threads.map(ask))
      .then((all) => all.filter((x) => x !== undefined))
      .finally(() => {
        round = undefined;
      }));
}

/** One row per value of `label` (every value, counted or not, so a state at 0 is still exported). */
function countBy<L extends string, V extends string, T>(label: L, values: readonly V[], items: readonly T[], of: (item: T) => V): Rows<L> {
  return values.map((value) => {
    const labels: LabelValues<L> = {};
    labels[label] = value;
    return [labels, items.filter((item) => of(item) === value).length] as const;
  });
}

function gauge<L extends string>(
  r: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Rows<L> | Promise<Rows<L>>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [r],
    async collect() {
      let rows: Rows<L>;
      try {
        rows = await read();
      } catch {
        // Not known now (the journal does not answer): no value rather than a wrong one.
        this.reset();
        if (labelNames.length === 0) this.set(Number.NaN);
        return;
      }
      this.reset();
      for (const [labels, value] of rows) this.set(labels, value);
    },
  });
}

/** A counter whose count another module keeps (a plain increment on its path); copied at scrape time. */
function counter<L extends string>(
  r: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Rows<L> | Promise<Rows<L>>,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [r],
    async collect() {
      const rows = await read();
      this.reset();
      for (const [labels, value] of rows) this.inc(labels, value);
    },
  });
}
