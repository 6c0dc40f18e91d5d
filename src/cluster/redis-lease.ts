/**
 * The lease behind lease-majority downing: one Redis key per cluster, taken with SET NX PX by the
 * side that survives a partition; the other side fails to take it and downs itself. It expires
 * after its TTL (twice stable-after, at least 5 s), so the next partition is decided afresh.
 */
import { Redis } from 'ioredis';

export class RedisLease {
  private readonly redis: Redis;
  private readonly key: string;

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

  /**
   * True if this node holds the lease now (took it, or already held it). The lease is not
   * renewed: it only has to outlive one decision (the losing side downs itself as soon as it is
   * refused), and a lease kept forever would let its holder win the next partition even from
   * the minority side.
   */
  async acquire(): Promise<boolean> {
    if (this.redis.status === 'wait') await this.redis.connect();
    const took = await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX');
    return took === 'OK' || (await this.redis.get(this.key)) === this.owner;
  }

  async holder(): Promise<string | null> {
    if (this.redis.status === 'wait') await this.redis.connect();
    return this.redis.get(this.key);
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
  }
}
