/**
 * Seed discovery through Redis: every node registers its advertised address in a sorted set
 * under the cluster name, scored by when the entry expires, refreshes it every third of the TTL,
 * and reads the live entries as its seed list. A node that dies stops refreshing and drops out
 * after the TTL. The list is sorted in address order so every node agrees which one is "first"
 * (the one that may form the cluster, see gossip.ts).
 *
 * Expiry uses the Redis server's clock (TIME), so nodes with skewed clocks still agree.
 */
import { Redis } from 'ioredis';
import { compareAddress } from './member.ts';

export class RedisDiscovery {
  private readonly redis: Redis;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly key: string;

  constructor(
    url: string,
    cluster: string,
    private readonly advertise: string,
    private readonly ttlMs: number,
    private readonly log: (level: 'warn' | 'info', line: string) => void,
  ) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
    this.redis.on('error', (e: Error) => this.log('warn', `redis discovery: ${e.message}`));
    this.key = `aloft:${cluster}:nodes`;
  }

  private async serverNow(): Promise<number> {
    const [s, us] = await this.redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  async start(): Promise<void> {
    await this.redis.connect();
    await this.register();
    this.timer = setInterval(
      () => void this.register().catch((e: Error) => this.log('warn', `redis discovery: ${e.message}`)),
      Math.max(100, Math.floor(this.ttlMs / 3)),
    );
    this.timer.unref();
  }

  private async register(): Promise<void> {
    const now = await this.serverNow();
    await this.redis.zadd(this.key, now + this.ttlMs, this.advertise);
  }

  /** The live addresses, in address order. */
  async seeds(): Promise<string[]> {
    const now = await this.serverNow();
    await this.redis.zremrangebyscore(this.key, '-inf', now);
    const members = await this.redis.zrangebyscore(this.key, now, '+inf');
    return members.sort(compareAddress);
  }

  /** Withdraws this node (graceful leave) and disconnects. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      await this.redis.zrem(this.key, this.advertise);
    } catch {
      // best effort: the TTL removes it anyway
    }
    this.redis.disconnect();
  }
}
