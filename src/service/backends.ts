/**
 * The production backends of a node, selected by its configuration (config.ts `Backends`):
 *
 * - the journal: LMDB in the data directory, or ScyllaDB (any CQL server with lightweight
 *   transactions) shared by every member, where the aggregate head's LWT keeps one writer per
 *   aggregate while membership is in doubt;
 * - the publisher: follows the journal feed from its stored checkpoint and publishes every event
 *   to Kafka keyed by aggregate id; exactly one runs per cluster (a cluster singleton);
 * - the graph projection: follows the feed into the schedule graph in a Bolt database
 *   (Memgraph), its offset written in the same transaction as the changes; one per cluster too.
 *
 * Each background job restarts itself with backoff when its server goes away, and reports its
 * state for /readyz, /metrics and the admin CLI. cassandra-driver, kafkajs and neo4j-driver are
 * loaded only when selected, so an embedded node loads none of them.
 */
import {
  EventJournal,
  FeedPublisher,
  type EventBus,
  type EventEnvelope,
  type Journal,
  type Subscription,
  type Upcasters,
} from '../persistence/index.ts';
import type { ScheduleView } from '../views/index.ts';
import type { BackendState, FeedJob } from '../app/feed-job.ts';
import type { BusBackend, GraphBackend, JournalBackend } from './config.ts';

export type Log = (line: string) => void;

const backoffMs = (attempt: number) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Opens the configured journal. ScyllaDB is retried with backoff until it answers: a member
 * started before its database is reachable waits, saying so, rather than exiting.
 */
export async function openJournal(
  backend: JournalBackend,
  lmdb: () => Promise<Journal>,
  log: Log,
  options: { readonly upcasters?: Upcasters; readonly signal?: AbortSignal } = {},
): Promise<Journal> {
  const { signal } = options;
  if (backend._tag === 'lmdb') return lmdb();
  const { ScyllaStore } = await import('../persistence/scylla-store.ts');
  for (let attempt = 0; ; attempt++) {
    try {
      const store = await ScyllaStore.open({
        contactPoints: backend.contactPoints,
        localDataCenter: backend.localDataCenter,
        keyspace: backend.keyspace,
        replication: backend.replication,
      });
      const journal = await EventJournal.open(store, options.upcasters ? { upcasters: options.upcasters } : {});
      log(`journal: ScyllaDB keyspace ${backend.keyspace} at ${backend.contactPoints.join(',')} (${backend.localDataCenter})`);
      return journal;
    } catch (error) {
      if (signal?.aborted) throw error;
      log(`journal: ScyllaDB at ${backend.contactPoints.join(',')} not reachable (${message(error)}); retrying`);
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
}

/**
 * Watches the journal by asking for its head every second: the answer (or its failure) is what
 * /readyz reports, and a journal known to be down makes commands fail fast with 503 instead of
 * each waiting for its own timeout.
 */
export class JournalHealth {
  private timer: NodeJS.Timeout | undefined;
  private last: BackendState = { name: 'journal', state: 'connected' };
  private head = 0;

  constructor(
    private readonly journal: Journal,
    private readonly log: Log,
    private readonly everyMs = 1_000,
  ) {}

  start(): this {
    const probe = async () => {
      try {
        this.head = await this.journal.headOffset();
        if (this.last.state !== 'connected') this.log('journal: reachable again');
        this.last = { name: 'journal', state: 'connected' };
      } catch (error) {
        if (this.last.state === 'connected') this.log(`journal: unreachable (${message(error)})`);
        this.last = { name: 'journal', state: 'down', reason: message(error) };
      }
      this.timer = setTimeout(() => void probe(), this.everyMs);
      this.timer.unref();
    };
    void probe();
    return this;
  }

  get state(): BackendState {
    return this.last;
  }

  get headOffset(): number {
    return this.head;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

class Follower implements FeedJob {
  private stopped = false;
  private subscription: Subscription | undefined;
  private current: BackendState;
  private readonly loop: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly journal: Journal,
    private readonly startFrom: () => Promise<number>,
    private readonly handle: (batch: readonly EventEnvelope[]) => Promise<void>,
    private readonly log: Log,
    private readonly afterStop: () => Promise<void> = async () => undefined,
  ) {
    this.current = { name, state: 'starting' };
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; ) {
      try {
        const from = await this.startFrom();
        if (this.stopped) break;
        this.subscription = this.journal.subscribe(from, async (batch) => {
          await this.handle(batch);
          attempt = 0;
          this.current = { name: this.name, state: 'connected' };
        });
        this.current = { name: this.name, state: 'connected' };
        if (attempt > 0) this.log(`${this.name}: following the feed again from offset ${from}`);
        await this.subscription.done;
        if (!this.stopped) throw new Error('the feed subscription ended');
      } catch (error) {
        if (this.stopped) break;
        this.current = { name: this.name, state: 'down', reason: message(error) };
        if (attempt === 0) this.log(`${this.name}: stopped by ${message(error)}; retrying with backoff`);
        await new Promise((r) => setTimeout(r, backoffMs(attempt++)));
      }
    }
  }

  get state(): BackendState {
    const position = this.subscription?.position();
    return position === undefined ? this.current : { ...this.current, position };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
    await this.afterStop();
  }
}

/** The Kafka publisher: FeedPublisher's batches and checkpoint, started again when the journal ends its feed. */
export async function startPublisher(journal: Journal, bus: Extract<BusBackend, { _tag: 'kafka' }>, log: Log): Promise<FeedJob> {
  const { KafkaEventBus } = await import('../persistence/kafka-bus.ts');
  const kafka = new KafkaEventBus({ brokers: bus.brokers, clientId: bus.clientId, partitions: bus.partitions });
  return new PublisherLoop(journal, kafka, bus.topic, log);
}

/**
 * Runs a FeedPublisher. It retries a failing bus itself (never skipping ahead); when the journal
 * ends its subscription (the database went away), a new one starts from the stored checkpoint.
 */
class PublisherLoop implements FeedJob {
  private stopped = false;
  private current: BackendState = { name: 'publisher', state: 'starting' };
  private busError: { readonly message: string; readonly publishedBefore: number } | undefined;
  private readonly loop: Promise<void>;
  private publisher: FeedPublisher | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly bus: EventBus & { close(): Promise<void> },
    private readonly topic: string,
    private readonly log: Log,
  ) {
    this.loop = this.run();
  }

  private make(): FeedPublisher {
    return new FeedPublisher(this.journal, this.bus, {
      topic: this.topic,
      onError: (error, attempt) => {
        this.busError = { message: message(error), publishedBefore: this.publisher?.publishedCount ?? 0 };
        if (attempt === 1) this.log(`publisher: Kafka refused a batch (${message(error)}); retrying with backoff`);
      },
    });
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; ) {
      const publisher = (this.publisher = this.make());
      try {
        await publisher.start();
        this.current = { name: 'publisher', state: 'connected' };
        if (attempt > 0) this.log('publisher: following the feed again from its checkpoint');
        await publisher.done;
        if (!this.stopped) throw new Error('the feed subscription ended');
      } catch (error) {
        await publisher.stop().catch(() => undefined);
        if (this.stopped) break;
        this.current = { name: 'publisher', state: 'down', reason: message(error) };
        if (attempt === 0) this.log(`publisher: stopped by ${message(error)}; restarting from its checkpoint with backoff`);
        await new Promise((r) => setTimeout(r, backoffMs(attempt++)));
      }
    }
  }

  get state(): BackendState {
    const position = this.publisher?.position() ?? 0;
    // A batch published since the last failure means Kafka is back.
    if (this.busError !== undefined && (this.publisher?.publishedCount ?? 0) > this.busError.publishedBefore) this.busError = undefined;
    if (this.busError !== undefined && this.current.state === 'connected')
      return { name: 'publisher', state: 'down', reason: `Kafka: ${this.busError.message}`, position };
    return { ...this.current, position };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.publisher?.stop().catch(() => undefined);
    await this.loop;
    await this.bus.close();
  }
}

/** The graph projection: the schedule graph in the Bolt database, resumed from the offset stored with it. */
export async function startGraphProjection(
  journal: Journal,
  graph: Extract<GraphBackend, { _tag: 'memgraph' }>,
  log: Log,
): Promise<FeedJob> {
  const view = await openGraph(graph);
  return new Follower(
    'graph',
    journal,
    async () => (await view.offset()) + 1,
    async (batch) => void (await view.apply(batch)),
    log,
    () => view.close(),
  );
}

/** A connection to the graph for queries (every member opens one when --checks graph). */
export async function openGraph(graph: Extract<GraphBackend, { _tag: 'memgraph' }>): Promise<ScheduleView> {
  const { MemgraphScheduleView } = await import('../views/memgraph-view.ts');
  return MemgraphScheduleView.open({
    url: graph.url,
    ...(graph.user ? { user: graph.user } : {}),
    ...(graph.password ? { password: graph.password } : {}),
  });
}
