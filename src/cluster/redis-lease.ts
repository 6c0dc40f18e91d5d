/**
 * The lease behind lease-majority downing: one Redis key per cluster, taken with SET NX PX by the
 * side that survives a partition. The holder renews it while it lives; the other side fails to
 * take it and downs itself. A lease that is not renewed expires, so a crashed holder does not
 * block the next partition's decision for longer than the TTL.
 */
import { Redis } from 'ioredis';

export class RedisLease {
  private readonly redis: Redis;
  private readonly key: string;
  private renew: ReturnType<typeof setInterval> | undefined;

  constructor(
    url: string,
    cluster: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: (level: 'warn', line: string) => void,
  ) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.redis.on('error', (e: Error) => this.log('warn', `redis lease: ${e.message}`));
    this.key = `aloft:${cluster}:sbr-lease`;
  }

  /** True if this node holds the lease now (took it, or already held it). */
  async acquire(): Promise<boolean> {
    if (this.redis.status === 'wait') await this.redis.connect();
    const took = await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX');
    const held = took === 'OK' || (await this.redis.get(this.key)) === this.owner;
    if (held && this.renew === undefined) {
      // Renew only while we are still the holder (compare and extend, atomically in Lua).
      const renew = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
      this.renew = setInterval(() => void this.redis.eval(renew, 1, this.key, this.owner, String(this.ttlMs)).catch(() => undefined), Math.max(100, Math.floor(this.ttlMs / 3)));
      this.renew.unref();
    }
    return held;
  }

  async holder(): Promise<string | null> {
    if (this.redis.status === 'wait') await this.redis.connect();
    return this.redis.get(this.key);
  }

  async stop(): Promise<void> {
    if (this.renew) clearInterval(this.renew);
    this.redis.disconnect();
  }
}
