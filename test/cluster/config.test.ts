/**
 * The cluster's settings (src/cluster/config.ts): its flags taken out of a command line shared
 * with the service's, flag over variable over default, and the messages of a bad setting.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLUSTER_CLI, CLUSTER_ENV, parseClusterConfig } from '../../src/cluster/config.ts';
import { defaultTimings } from '../../src/cluster/gossip.ts';
import { parseConfig } from '../../src/service/config.ts';

const SECRET = 'a-secret-of-16-chars';
const base = ['--cluster-name', 'c1', '--secret', SECRET];

t.test('no cluster flag and no ALOFT_CLUSTER: not clustered, the command line untouched', async (t) => {
  const argv = ['--port', '9000', '--demo-season', 'x'];
  t.same(parseClusterConfig(argv, {}), { config: undefined, rest: argv });
  t.same(parseClusterConfig([], { ALOFT_SEEDS: '127.0.0.1:1' }).config, undefined, 'a cluster variable alone is not a mistake');
});

t.test("the service's flags pass through, in order, to the service's parser", async (t) => {
  const argv = ['--port', '9000', '--seeds=127.0.0.1:2552', '--cluster-name', 'c1', '--demo-season', '--secret', SECRET, '--data=/tmp/d'];
  const { config, rest } = parseClusterConfig(argv, {});
  t.same(rest, ['--port', '9000', '--demo-season', '--data=/tmp/d']);
  t.same([config?.clusterName, config?.seeds], ['c1', ['127.0.0.1:2552']]);
  const service = parseConfig(rest, {});
  if (service === 'help') return t.fail('help');
  t.same([service.port, service.demoSeason, service.data], [9000, true, '/tmp/d']);
  t.same(parseClusterConfig(['--', '--seeds', 'x'], {}).rest, ['--', '--seeds', 'x'], 'nothing after -- is taken');
});

t.test('--help anywhere: nothing checked, and it stays for the service to answer', async (t) => {
  t.same(parseClusterConfig(['--help', '--seeds'], {}), { config: undefined, rest: ['--help'] });
  const { rest } = parseClusterConfig(['-h', '--cluster-name', 'bad name!'], {});
  t.equal(
    parseConfig(
      rest.filter((a) => a === '-h'),
      {},
    ),
    'help',
  );
  t.match(CLUSTER_CLI.help(), /--gone-after-ms MS/);
});

t.test('defaults, the environment, and a flag over its variable', async (t) => {
  const d = parseClusterConfig(base, {}).config;
  t.same(
    [d?.bindHost, d?.bindPort, d?.advertise, d?.roles, d?.downing, d?.leaveTimeoutMs, d?.singletonMarginMs, d?.timings],
    ['127.0.0.1', 2552, undefined, [], { _tag: 'KeepMajority' }, 10_000, Math.ceil(defaultTimings.stableAfterMs / 2), defaultTimings],
  );
  const env = {
    ALOFT_CLUSTER: 'c2',
    ALOFT_CLUSTER_SECRET: SECRET,
    ALOFT_CLUSTER_PORT: '3000',
    ALOFT_ROLES: 'shards,journal',
    ALOFT_ROUTES: '10.0.0.1:2552=127.0.0.1:12552,10.0.0.2:2552=127.0.0.1:22552',
    ALOFT_HEARTBEAT_MS: '200',
    ALOFT_STABLE_AFTER_MS: '3000',
    ALOFT_GONE_AFTER_MS: '0',
    ALOFT_DOWNING: 'static-quorum:2',
    ALOFT_SEEDS: '',
  };
  const e = parseClusterConfig([], env).config;
  t.same(
    [e?.clusterName, e?.bindPort, e?.roles, Object.keys(e?.routes ?? {}), e?.seeds, e?.downing],
    ['c2', 3000, ['shards', 'journal'], ['10.0.0.1:2552', '10.0.0.2:2552'], [], { _tag: 'StaticQuorum', quorum: 2 }],
  );
  t.same(
    [e?.timings.heartbeatIntervalMs, e?.timings.joinRetryMs, e?.timings.gossipIntervalMs, e?.timings.goneAfterMs, e?.singletonMarginMs],
    [200, 200, defaultTimings.gossipIntervalMs, 0, 1500],
    'the heartbeat sets the join retry too; singleton margin is half of stable-after',
  );
  const f = parseClusterConfig(['--cluster-port=4000', '--route', '10.0.0.9:1=127.0.0.1:2', '--cluster-name', 'c3'], env).config;
  t.same(
    [f?.clusterName, f?.bindPort, f?.routes],
    ['c3', 4000, { '10.0.0.9:1': '127.0.0.1:2' }],
    'flags beat variables; --route replaces ALOFT_ROUTES',
  );
});

t.test('the secret from a file; TLS files', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-cluster-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'secret');
  writeFileSync(file, `${SECRET}\n`);
  const fromFile = parseClusterConfig(['--cluster-name', 'c', '--secret-file', file], {}).config;
  t.equal(fromFile?.secret, SECRET);
  t.same(fromFile?.warnings, [], 'a secret from a file: no warning');
  t.same(parseClusterConfig(['--cluster-name', 'c'], { ALOFT_CLUSTER_SECRET: SECRET }).config?.warnings, [], 'nor from the variable');
  t.match(
    parseClusterConfig(base, {}).config?.warnings,
    [/--secret on the command line is visible to every local user/],
    'a secret on the command line works, with a warning',
  );
  const tls = parseClusterConfig([...base, '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {}).config?.tls;
  t.same(tls, { cert: 'c.pem', key: 'k.pem', ca: undefined, insecure: false }, 'TLS verifies by default');
  const insecure = parseClusterConfig([...base, '--tls-cert', 'c.pem', '--tls-insecure', '--port', '9', '--tls-key', 'k.pem'], {});
  t.same(insecure.config?.tls, { cert: 'c.pem', key: 'k.pem', ca: undefined, insecure: true }, '--tls-insecure opts out');
  t.same(insecure.rest, ['--port', '9'], 'the boolean --tls-insecure takes no value from the line');
  const fromEnv = parseClusterConfig([...base, '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {
    ALOFT_TLS_INSECURE: '1',
    ALOFT_TLS_CA: 'ca.pem',
  });
  t.same(fromEnv.config?.tls, { cert: 'c.pem', key: 'k.pem', ca: 'ca.pem', insecure: true }, 'ALOFT_TLS_INSECURE=1');
});

t.test('the admin token: from ALOFT_ADMIN_TOKEN or a file, never from the command line', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-cluster-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'admin-token');
  writeFileSync(file, 'token-from-the-file\n');
  const admin = [...base, '--admin-port', '9'];
  t.equal(parseClusterConfig(admin, { ALOFT_ADMIN_TOKEN: 'token-from-env' }).config?.adminToken, 'token-from-env');
  t.equal(parseClusterConfig([...admin, '--admin-token-file', file], {}).config?.adminToken, 'token-from-the-file', 'trimmed');
  t.equal(parseClusterConfig(admin, { ALOFT_ADMIN_TOKEN_FILE: file }).config?.adminToken, 'token-from-the-file', 'ALOFT_ADMIN_TOKEN_FILE');
  t.equal(
    parseClusterConfig([...admin, '--admin-token-file', file], { ALOFT_ADMIN_TOKEN: 'token-from-env' }).config?.adminToken,
    'token-from-the-file',
    'the file wins over the variable',
  );
  for (const argv of [
    [...admin, '--admin-token', 'a-token-on-argv'],
    [...admin, '--admin-token=a-token-on-argv'],
    ['--admin-token', 'a-token-on-argv', '--port', '9000'],
  ]) {
    t.throws(
      () => parseClusterConfig(argv, { ALOFT_ADMIN_TOKEN: 'token-from-env' }),
      {
        _tag: 'ConfigError',
        message:
          /^--admin-token is refused: the command line is visible to every local user \(ps\)\. Set ALOFT_ADMIN_TOKEN or use --admin-token-file FILE$/,
      },
      argv.join(' '),
    );
  }
  t.match(CLUSTER_CLI.help(), /--admin-token-file FILE/);
  t.notMatch(CLUSTER_CLI.help(), /--admin-token T/, '--help offers no --admin-token');
});

t.test('bad settings are refused with a message naming them', async (t) => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--seeds', '127.0.0.1:1', '--roles', 'a'], {}, /^--seeds, --roles given without --cluster-name \(or ALOFT_CLUSTER\)$/],
    [['--cluster-name'], {}, /--cluster-name needs a value/],
    [['--cluster-name', 'c', '--seeds', '--port', '1'], {}, /--seeds needs a value/],
    [['--cluster-name', 'bad name', '--secret', SECRET], {}, /cluster name "bad name" must be 1-64 letters/],
    [['--cluster-name', 'c'], {}, /a cluster secret of at least 16 characters is required/],
    [['--cluster-name', 'c', '--secret', 'short'], {}, /at least 16 characters/],
    [['--cluster-name', 'c', '--secret-file', '/nonexistent/aloft'], {}, /cannot read --secret-file \/nonexistent\/aloft/],
    [[...base, '--cluster-port', 'x'], {}, /--cluster-port\/ALOFT_CLUSTER_PORT must be an integer >= 0, got "x"/],
    [base, { ALOFT_HEARTBEAT_MS: '5' }, /--heartbeat-ms\/ALOFT_HEARTBEAT_MS must be an integer >= 10, got "5"/],
    [[...base, '--seeds', '127.0.0.1'], {}, /--seeds\/ALOFT_SEEDS: "127.0.0.1" is not host:port/],
    [[...base, '--advertise', 'h:70000'], {}, /--advertise\/ALOFT_ADVERTISE: "h:70000" is not host:port/],
    [[...base, '--route', 'a:1'], {}, /--route "a:1" must be advertised=dial/],
    [[...base, '--tls-cert', 'c.pem'], {}, /--tls-cert and --tls-key go together/],
    [[...base, '--tls-ca', 'ca.pem'], {}, /--tls-ca needs --tls-cert and --tls-key/],
    [[...base, '--tls-insecure'], {}, /--tls-insecure needs --tls-cert and --tls-key/],
    [
      [...base, '--tls-cert', 'c', '--tls-key', 'k'],
      { ALOFT_TLS_INSECURE: 'yes' },
      /--tls-insecure\/ALOFT_TLS_INSECURE must be 1\/true or 0\/false/,
    ],
    [
      [...base, '--admin-port', '9'],
      {},
      /the admin API needs a token of at least 8 characters: set ALOFT_ADMIN_TOKEN or use --admin-token-file FILE/,
    ],
    [[...base, '--admin-port', '9'], { ALOFT_ADMIN_TOKEN: 'short' }, /the admin API needs a token of at least 8 characters/],
    [[...base, '--admin-port', '9', '--admin-token-file', '/nonexistent/tok'], {}, /cannot read --admin-token-file \/nonexistent\/tok/],
    [[...base, '--phi-threshold', '0'], {}, /--phi-threshold\/ALOFT_PHI_THRESHOLD must be a positive number/],
    [[...base, '--downing', 'oldest'], {}, /--downing "oldest": expected keep-majority, static-quorum:N/],
    [[...base, '--downing', 'lease-majority'], {}, /--downing lease-majority needs --redis-url \(or ALOFT_REDIS_URL\)/],
  ];
  for (const [argv, env, message] of cases) {
    t.throws(() => parseClusterConfig(argv, env), { _tag: 'ConfigError', message }, argv.join(' ') || JSON.stringify(env));
  }
});

t.test('lease-majority with a Redis URL is accepted, from the flag or the variable', async (t) => {
  for (const [argv, env] of [
    [[...base, '--downing', 'lease-majority', '--redis-url', 'redis://127.0.0.1:6379'], {}],
    [[...base, '--downing', 'lease-majority'], { ALOFT_REDIS_URL: 'redis://127.0.0.1:6379' }],
  ] as Array<[string[], Record<string, string>]>) {
    const parsed = parseClusterConfig(argv, env);
    t.equal(parsed.config?.downing._tag, 'LeaseMajority');
    t.equal(parsed.config?.redisUrl, 'redis://127.0.0.1:6379');
  }
});

t.test('every variable the flags read is listed', async (t) => {
  t.ok(CLUSTER_ENV.includes('ALOFT_CLUSTER') && CLUSTER_ENV.includes('ALOFT_ROUTES') && CLUSTER_ENV.includes('ALOFT_GONE_AFTER_MS'));
  t.ok(
    CLUSTER_ENV.includes('ALOFT_ADMIN_TOKEN') &&
      CLUSTER_ENV.includes('ALOFT_ADMIN_TOKEN_FILE') &&
      CLUSTER_ENV.includes('ALOFT_TLS_INSECURE'),
  );
  t.equal(CLUSTER_ENV.length, 27);
});
