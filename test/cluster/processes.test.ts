/**
 * The multi-process scenarios, one after another in one file: each starts three or four node
 * processes, and running them side by side (tap runs files in parallel) on a 2-core machine
 * starves them enough to look like failures. Each scenario lives in fixtures/ with its own
 * header saying what it proves:
 * - static seeds: join, remote tell/ask/watch, registry, singleton, kill -9, rejoin, graceful leave;
 * - partition through proxies: the minority downs itself, the majority continues;
 * - Redis discovery and lease-majority downing (skipped with a reason without redis-server).
 */
import t from 'tap';
import * as partition from './fixtures/partition.ts';
import * as redis from './fixtures/redis.ts';
import * as staticSeeds from './fixtures/static-seeds.ts';

t.jobs = 1;
t.test(staticSeeds.title, (t) => staticSeeds.scenario(t));
t.test(partition.title, (t) => partition.scenario(t));
t.test(redis.title, redis.options, (t) => redis.scenario(t));
