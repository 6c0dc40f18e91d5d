/**
 * TLS between nodes (mutual, with a cluster CA): two nodes join and talk over TLS; a node whose
 * certificate the CA did not sign is refused; a plain-TCP node cannot talk to a TLS node.
 * Certificates are made with openssl in a temp dir (skipped, saying so, without openssl).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ActorSystem, stateless, type ActorRef } from '../../src/actors/index.ts';
import { bindCluster, parseClusterConfig, type ClusterNode } from '../../src/cluster/index.ts';
import { SECRET, until } from './fixtures/harness.ts';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function makeCerts(dir: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=aloft-test-ca',
  );
  for (const name of ['node', 'rogue']) {
    openssl(
      dir,
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
  }
  openssl(dir, 'x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.crt', '-days', '1');
  // The rogue certificate signs itself: not from the cluster CA.
  openssl(dir, 'x509', '-req', '-in', 'rogue.csr', '-signkey', 'rogue.key', '-out', 'rogue.crt', '-days', '1');
}

async function start(name: string, tls: string[], seeds: string, logs: string[]): Promise<{ cluster: ClusterNode; system: ActorSystem }> {
  const { config } = parseClusterConfig([
    '--cluster-name',
    'tls',
    '--cluster-port',
    '0',
    '--secret',
    SECRET,
    '--heartbeat-ms',
    '50',
    '--gossip-ms',
    '50',
    '--seed-timeout-ms',
    '200',
    ...(seeds ? ['--seeds', seeds] : []),
    ...tls,
  ]);
  if (!config) throw new Error('no config');
  const log = (level: string, line: string) => void logs.push(`${name} ${level}: ${line}`);
  const bound = await bindCluster(config, { log });
  const system = new ActorSystem({ node: bound.nodeId, log });
  return { cluster: await bound.start({ system }), system };
}

t.test('TLS transport', { skip: hasOpenssl ? false : 'openssl is not on PATH: cannot make test certificates' }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  makeCerts(dir);
  const f = (n: string) => path.join(dir, n);
  const good = ['--tls-cert', f('node.crt'), '--tls-key', f('node.key'), '--tls-ca', f('ca.crt')];
  const logs: string[] = [];
  const a = await start('a', good, '', logs);
  const seeds = a.cluster.nodeId.split('#')[0] as string;
  const b = await start('b', good, seeds, logs);
  const rogue = await start('rogue', ['--tls-cert', f('rogue.crt'), '--tls-key', f('rogue.key'), '--tls-ca', f('ca.crt')], seeds, logs);
  const plain = await start('plain', [], seeds, logs);
  t.teardown(async () => {
    for (const n of [a, b, rogue, plain]) {
      await n.cluster.stop();
      n.system.shutdown();
    }
  });
  await until(
    () => a.cluster.view().members.filter((m) => m.status === 'up').length === 2 && b.cluster.membership.selfMember?.status === 'up',
    5_000,
    'b joins over TLS',
  );
  const echo = a.system.spawn(
    stateless<{ _tag: 'Ping'; replyTo: ActorRef<string> }>((m) => m.replyTo.tell('pong')),
    { name: 'echo' },
  );
  t.equal(
    await b.system
      .ref<{ _tag: 'Ping'; replyTo: ActorRef<string> }>(echo.address)
      .ask<string>((replyTo) => ({ _tag: 'Ping', replyTo }), 2_000),
    'pong',
    'an ask over TLS',
  );
  await until(() => logs.some((l) => l.startsWith('rogue') && /closed/.test(l)), 5_000, 'the rogue node is refused');
  await until(() => logs.some((l) => l.startsWith('plain') && /closed/.test(l)), 5_000, 'the plain node is refused');
  t.equal(rogue.cluster.membership.selfMember, undefined, 'a certificate from another CA never joins');
  t.equal(plain.cluster.membership.selfMember, undefined, 'plain TCP never joins a TLS cluster');
  t.equal(a.cluster.view().members.length, 2);
});
