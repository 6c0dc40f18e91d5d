/**
 * ops/compose/docker-compose.yml cannot run here (no Docker engine), so this keeps it honest:
 * every ALOFT_* variable it sets is one the node reads, and each Aloft member's environment
 * passes the node's own configuration parsers and selects the production backends.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CLUSTER_ENV, parseClusterConfig } from '../../src/cluster/index.ts';
import { parseConfig, SERVICE_ENV } from '../../src/service/config.ts';

interface Service {
  readonly environment?: Record<string, string | number>;
  readonly build?: unknown;
}

const file = new URL('../../ops/compose/docker-compose.yml', import.meta.url);
const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const known = new Set([...SERVICE_ENV, ...CLUSTER_ENV]);
const members = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

t.test('the compose file runs three Aloft members beside ScyllaDB, Kafka, Memgraph and Redis', async (t) => {
  t.equal(members.length, 3, 'three members built from the Dockerfile');
  for (const name of ['scylla', 'kafka', 'memgraph', 'redis']) t.ok(compose.services[name], `${name} is there`);
});

t.test('every ALOFT_* variable it sets is a setting the node knows, and each member parses', async (t) => {
  for (const [name, service] of members) {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
    const unknown = Object.keys(env).filter((k) => k.startsWith('ALOFT_') && !known.has(k));
    t.same(unknown, [], `${name}: no unknown ALOFT_* variable`);
    const { config: cluster, rest } = parseClusterConfig([], env);
    t.ok(cluster, `${name}: a cluster member`);
    const config = parseConfig(rest, env);
    if (config === 'help') return t.fail('help');
    t.match(
      config.backends,
      { journal: { _tag: 'scylla' }, bus: { _tag: 'kafka' }, graph: { _tag: 'memgraph' }, checks: 'graph' },
      `${name}: the production backends`,
    );
    t.equal(config.host, '0.0.0.0', `${name}: serves HTTP beyond the container`);
  }
});
