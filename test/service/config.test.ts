import t from 'tap';
import path from 'node:path';
import { ConfigError, defaultWorkers, parseConfig } from '../../src/service/config.ts';

t.test('defaults, environment, and flags over environment', async (t) => {
  const d = parseConfig([], {});
  t.not(d, 'help');
  if (d === 'help') return;
  t.same(
    [d.host, d.port, d.data, d.demoSeason, d.durability, d.viewThreads],
    ['127.0.0.1', 8080, path.resolve('data'), false, 'flush', 'main'],
  );
  const e = parseConfig([], {
    ALOFT_HOST: '127.0.0.2',
    ALOFT_PORT: '9000',
    ALOFT_DATA: '/tmp/x',
    ALOFT_DEMO_SEASON: '1',
    ALOFT_VIEWS: 'workers',
  });
  if (e === 'help') return t.fail('help');
  t.same([e.host, e.port, e.data, e.demoSeason, e.viewThreads], ['127.0.0.2', 9000, '/tmp/x', true, 'workers']);
  const f = parseConfig(['--port', '9100', '--data=/tmp/y', '--demo-season'], { ALOFT_PORT: '9000' });
  if (f === 'help') return t.fail('help');
  t.same([f.port, f.data, f.demoSeason], [9100, '/tmp/y', true], 'a flag beats its environment variable');
  t.equal(parseConfig(['--help'], {}), 'help');
});

t.test('--demo-season-scale: a multiple of the default season, refused outside (0, 50]', async (t) => {
  const d = parseConfig([], {});
  if (d === 'help') return t.fail('help');
  t.equal(d.demoSeasonScale, 1);
  const ten = parseConfig(['--demo-season', '--demo-season-scale', '10'], {});
  if (ten === 'help') return t.fail('help');
  t.equal(ten.demoSeasonScale, 10);
  const env = parseConfig([], { ALOFT_DEMO_SEASON_SCALE: '0.5' });
  if (env === 'help') return t.fail('help');
  t.equal(env.demoSeasonScale, 0.5);
  for (const bad of ['0', '51', 'ten', '-1'])
    t.throws(
      () => parseConfig(['--demo-season-scale', bad], {}),
      /--demo-season-scale\/ALOFT_DEMO_SEASON_SCALE must be a number above 0 and at most 50/,
      bad,
    );
});

t.test('the default thread layout: entities on the main thread up to two cores, a worker per core above', async (t) => {
  t.same([1, 2, 3, 4, 16].map(defaultWorkers), [0, 0, 3, 4, 16]);
  const z = parseConfig(['--workers', '0'], {});
  if (z === 'help') return t.fail('help');
  t.equal(z.workers, 0, '--workers 0 is a valid layout');
});

t.test('bad settings are refused with a message naming them', async (t) => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--port', 'eighty'], {}, /--port\/ALOFT_PORT must be an integer/],
    [[], { ALOFT_PORT: '70000' }, /from 0 to 65535/],
    [['--workers', '-1'], {}, /--workers/],
    [['--workers', '65'], {}, /--workers/],
    [['--durability', 'maybe'], {}, /flush or commit/],
    [['--views', 'gpu'], {}, /workers or main/],
    [['--colour', 'red'], {}, /unknown flag --colour/],
    [['--port'], {}, /--port needs a value/],
    [['stray'], {}, /unexpected argument "stray"/],
    [['--host', 'bad host!'], {}, /not a host name/],
  ];
  for (const [argv, env, message] of cases) {
    t.throws(() => parseConfig(argv, env), message, `${argv.join(' ')} ${JSON.stringify(env)}`);
    try {
      parseConfig(argv, env);
    } catch (error) {
      t.ok(error instanceof ConfigError, 'a ConfigError');
    }
  }
});

t.test('production backends: embedded by default, selected by flag or environment, validated', async (t) => {
  const d = parseConfig([], {});
  if (d === 'help') return t.fail('help');
  t.same(d.backends, { journal: { _tag: 'lmdb' }, bus: { _tag: 'none' }, graph: { _tag: 'none' }, checks: 'memory' }, 'no flag, no server');
  const p = parseConfig(
    ['--journal', 'scylla', '--scylla-contact-points', '10.0.0.1,10.0.0.2:9043', '--bus=kafka', '--graph', 'memgraph', '--checks', 'graph'],
    {
      ALOFT_SCYLLA_KEYSPACE: 'flights',
      ALOFT_KAFKA_BROKERS: 'k1:9092',
      ALOFT_MEMGRAPH_URL: 'bolt://mg:7687',
      ALOFT_MEMGRAPH_PASSWORD: 's3cret',
    },
  );
  if (p === 'help') return t.fail('help');
  t.same(p.backends?.journal, {
    _tag: 'scylla',
    contactPoints: ['10.0.0.1:9042', '10.0.0.2:9043'],
    localDataCenter: 'datacenter1',
    keyspace: 'flights',
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  });
  t.same(p.backends?.bus, { _tag: 'kafka', brokers: ['k1:9092'], topic: 'aloft-events', partitions: 12, clientId: 'aloft' });
  t.same(
    p.backends?.graph,
    { _tag: 'memgraph', url: 'bolt://mg:7687', user: '', password: 's3cret' },
    'the password comes from the environment only',
  );
  t.equal(p.backends?.checks, 'graph');
  const nts = parseConfig(['--journal', 'scylla', '--scylla-replication', "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"], {});
  if (nts === 'help') return t.fail('help');
  t.match(nts.backends?.journal, { replication: "{'class': 'NetworkTopologyStrategy', 'dc1': 3}" });

  const bad: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--journal', 'postgres'], {}, /--journal\/ALOFT_JOURNAL must be lmdb or scylla, got "postgres"/],
    [['--bus', 'rabbit'], {}, /--bus\/ALOFT_BUS must be none or kafka/],
    [['--graph', 'neo'], {}, /--graph\/ALOFT_GRAPH must be none or memgraph/],
    [['--checks', 'graph'], {}, /--checks graph needs --graph memgraph/],
    [['--scylla-keyspace', 'x'], {}, /--scylla-keyspace is set but --journal does not select that backend/],
    [[], { ALOFT_KAFKA_TOPIC: 't' }, /--kafka-topic is set but --bus does not select/],
    [['--journal', 'scylla', '--scylla-contact-points', 'a:b'], {}, /"a:b" is not host:port/],
    [['--journal', 'scylla', '--scylla-keyspace', 'drop;table'], {}, /--scylla-keyspace\/ALOFT_SCYLLA_KEYSPACE must be a letter/],
    [['--journal', 'scylla', '--scylla-replication', "{'class': 'X'}; DROP KEYSPACE k"], {}, /must be a CQL replication map/],
    [['--bus', 'kafka', '--kafka-partitions', '0'], {}, /--kafka-partitions\/ALOFT_KAFKA_PARTITIONS must be an integer from 1/],
    [['--bus', 'kafka', '--kafka-topic', 'a b'], {}, /--kafka-topic\/ALOFT_KAFKA_TOPIC must be 1-249/],
    [['--graph', 'memgraph', '--memgraph-url', 'http://x'], {}, /--memgraph-url\/ALOFT_MEMGRAPH_URL must be bolt:\/\/host:port/],
  ];
  for (const [argv, env, message] of bad) t.throws(() => parseConfig(argv, env), message, `${argv.join(' ')} ${JSON.stringify(env)}`);
  t.ok(parseConfigError(['--journal', 'x']) instanceof ConfigError, 'a ConfigError, which main turns into exit 2');
});

function parseConfigError(argv: string[]): unknown {
  try {
    parseConfig(argv, {});
  } catch (e) {
    return e;
  }
  return undefined;
}
