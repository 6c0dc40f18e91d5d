/**
 * Prometheus text-format metrics: request counts and latency histograms per route, plus gauges
 * that other parts register (journal head, view lag, actors, dead letters).
 */

const BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

interface RouteStats {
  count: number;
  sumMs: number;
  buckets: number[];
}

export class Metrics {
  private readonly routes = new Map<string, RouteStats>();
  private readonly gauges = new Map<string, { help: string; read: () => number | Promise<number> }>();

  request(route: string, method: string, ms: number): void {
    const key = `${method} ${route}`;
    let s = this.routes.get(key);
    if (!s) this.routes.set(key, (s = { count: 0, sumMs: 0, buckets: BUCKETS_MS.map(() => 0) }));
    s.count++;
    s.sumMs += ms;
    for (let i = 0; i < BUCKETS_MS.length; i++) if (ms <= (BUCKETS_MS[i] as number)) s.buckets[i] = (s.buckets[i] as number) + 1;
  }

  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    this.gauges.set(name, { help, read });
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    lines.push('# HELP aloft_http_requests_total HTTP requests handled, by route.', '# TYPE aloft_http_requests_total counter');
    for (const [key, s] of this.routes) lines.push(`aloft_http_requests_total{route="${label(key)}"} ${s.count}`);
    lines.push('# HELP aloft_http_request_duration_ms Request latency, by route.', '# TYPE aloft_http_request_duration_ms histogram');
    for (const [key, s] of this.routes) {
      for (const [i, b] of BUCKETS_MS.entries()) {
        lines.push(`aloft_http_request_duration_ms_bucket{route="${label(key)}",le="${b}"} ${s.buckets[i]}`);
      }
      lines.push(`aloft_http_request_duration_ms_bucket{route="${label(key)}",le="+Inf"} ${s.count}`);
      lines.push(`aloft_http_request_duration_ms_sum{route="${label(key)}"} ${s.sumMs.toFixed(3)}`);
      lines.push(`aloft_http_request_duration_ms_count{route="${label(key)}"} ${s.count}`);
    }
    for (const [name, g] of this.gauges) {
      let value: number;
      try {
        value = await g.read();
      } catch {
        value = NaN;
      }
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function label(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
