/**
 * A service instance's Prometheus metrics, over prom-client: its own Registry (never the global
 * one: tests run several services in one process, and each member of a cluster exports its own),
 * the default process and Node.js metrics (process_*, nodejs_*, event-loop lag included: one set
 * per process, see processMetrics), and the HTTP request histogram the server records into. The
 * service's other metrics are registered on `registry` by src/service/metrics.ts.
 */
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Seconds; from well under a millisecond (a read from a view) to the 10 s command timeout. */
const REQUEST_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Child = ReturnType<Histogram<'route' | 'method' | 'status'>['labels']>;

/**
 * The process's default metrics, collected once per process and exported by every service in it:
 * each collectDefaultMetrics starts a GC observer and an event-loop monitor that are never
 * stopped, and they would keep every stopped service's registry (and all it reads) alive.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'route' | 'method' | 'status'>;
  /** Label children by route, method and status: a request then costs three map reads and the
   * observation, with no label object or key string built for it. */
  private readonly children = new Map<string, Map<string, Map<number, Child>>>();

  constructor() {
    // The process's CPU, memory, handles and the main thread's heap and event loop (worker
    // threads' heaps and loops are not in these), rendered beside this service's own.
    processMetrics();
    this.requests = new Histogram({
      name: 'aloft_http_request_duration_seconds',
      help: 'HTTP requests handled, by route pattern, method and response status: time from the request to its reply.',
      labelNames: ['route', 'method', 'status'],
      buckets: REQUEST_BUCKETS_S,
      registers: [this.registry],
    });
  }

  /** One request answered: `route` is the route's pattern (/api/rotations/:id), not its URL. */
  request(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.children.get(route);
    if (byMethod === undefined) this.children.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let child = byStatus.get(status);
    if (child === undefined) byStatus.set(status, (child = this.requests.labels({ route, method, status: String(status) })));
    child.observe(seconds);
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
