/**
 * Loopback plumbing shared by the multi-process tests, the chaos scripts and the benchmarks:
 * free ports, waiting on a condition with a deadline (never a fixed sleep), and TCP proxies
 * whose links can be cut to make a partition.
 */
import net from 'node:net';

/**
 * A free loopback port outside the kernel's ephemeral range (32768-60999 on Linux), so a port we
 * probe, release and hand to a child cannot be taken meanwhile by a socket bound to port 0 (as
 * the proxies and in-process nodes of tests running in parallel do).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!ok) continue;
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  }
  throw new Error('no free port found in 20000-31999 after 50 tries');
}

export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP proxy on one directed link; `cut()` black-holes it (bytes vanish, sockets stay open, as in a real partition). */
export class LinkProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  cutOff = false;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (d) => this.cutOff || upstream.write(d));
      upstream.on('data', (d) => this.cutOff || client.write(d));
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  cut(): void {
    this.cutOff = true;
  }

  heal(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A proxy on every directed link between `ports`; node i dials node j through `i>j`. */
export class ProxyMesh {
  readonly proxies = new Map<string, LinkProxy>();

  constructor(private readonly ports: readonly number[]) {}

  async start(): Promise<this> {
    for (let i = 0; i < this.ports.length; i++) {
      for (let j = 0; j < this.ports.length; j++) {
        if (i === j) continue;
        const p = new LinkProxy(this.ports[j] as number);
        await p.start();
        this.proxies.set(`${i}>${j}`, p);
      }
    }
    return this;
  }

  /** The --route flags for node i. */
  routes(i: number): string[] {
    return this.ports.flatMap((port, j) =>
      j === i ? [] : ['--route', `127.0.0.1:${port}=127.0.0.1:${this.proxies.get(`${i}>${j}`)?.port}`],
    );
  }

  /** Cuts every link between the two sides, both ways. */
  partition(side: readonly number[], other: readonly number[]): void {
    for (const i of side) for (const j of other) for (const key of [`${i}>${j}`, `${j}>${i}`]) this.proxies.get(key)?.cut();
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
  }
}
