/**
 * The check endpoints answered from the schedule graph in the Bolt database (`--checks graph`)
 * instead of the in-memory replicas: the same queries, run as Cypher by the Memgraph view, with
 * the same read-your-writes rule. `minOffset` waits until the graph projection (a singleton
 * somewhere in the cluster) has stored that offset, which it does in the same transaction as the
 * changes it made; past `timeoutMs` the answer is a retriable ViewLagTimeout (HTTP 504). As with
 * the replicas (ViewPool), an offset past the journal's head, which no write has produced, is
 * refused at once with InvalidViewQuery (HTTP 400) instead of waited for.
 */
import {
  InvalidViewQuery,
  runQuery,
  ViewLagTimeout,
  type QueryOptions,
  type QueryResult,
  type ScheduleView,
  type ViewQuery,
} from '../views/index.ts';

export class GraphChecks {
  /** `journalHead`: the journal's head offset, asked when the graph has not reached a query's minOffset. */
  constructor(
    private readonly view: ScheduleView,
    private readonly journalHead?: () => Promise<number>,
    private readonly pollMs = 25,
  ) {}

  async queryJson(query: ViewQuery, options: QueryOptions = {}): Promise<QueryResult<string>> {
    const minOffset = options.minOffset ?? 0;
    const timeoutMs = options.timeoutMs ?? 5_000;
    const deadline = Date.now() + timeoutMs;
    let offset = await this.view.offset();
    if (offset < minOffset && this.journalHead !== undefined) {
      const head = await this.journalHead().catch(() => undefined);
      if (head !== undefined && minOffset > head)
        throw new InvalidViewQuery(
          `minOffset ${minOffset} is past the journal's head (${head}): no write has produced it (use the offset a command answered)`,
        );
    }
    while (offset < minOffset) {
      if (Date.now() >= deadline) throw new ViewLagTimeout('graph', minOffset, offset, timeoutMs);
      await new Promise((r) => setTimeout(r, this.pollMs));
      offset = await this.view.offset();
    }
    const answer = await runQuery(this.view, query);
    return { answer: JSON.stringify(answer), replica: 'graph', offset };
  }

  close(): Promise<void> {
    return this.view.close();
  }
}
