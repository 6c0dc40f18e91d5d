/**
 * TLS between nodes. Verified by default: with a cluster CA both sides present a certificate it
 * signed (mutual TLS) and the dialled address must be in the peer's certificate; without one the
 * system CAs decide. --tls-insecure opts out (with a warning at start). The HMAC handshake is
 * bound to the TLS session, so a relay that terminates TLS cannot splice two sessions together.
 * Certificates are made with openssl (test/cluster/fixtures/certs.ts; skipped, saying so, without it).
 */
import net from 'node:net';
import tls from 'node:tls';
import t, { type Test } from 'tap';
import { ActorSystem, stateless, type ActorRef } from '../../src/actors/index.ts';
import { bindCluster, parseClusterConfig, type ClusterNode } from '../../src/cluster/index.ts';
import { hasOpenssl, makeCerts } from './fixtures/certs.ts';
import { inProcessArgv, until } from './fixtures/harness.ts';

type Node = { cluster: ClusterNode; system: ActorSystem; seed: string };

async function start(t: Test, name: string, flags: string[], seeds: string, logs: string[]): Promise<Node> {
  const { config } = parseClusterConfig(inProcessArgv('tls', seeds ? [seeds] : [], flags));
  if (!config) throw new Error('no config');
  const log = (level: string, line: string) => void logs.push(`${name} ${level}: ${line}`);
  const bound = await bindCluster(config, { log });
  const system = new ActorSystem({ node: bound.nodeId, log });
  const cluster = await bound.start({ system });
  t.teardown(async () => {
    await cluster.stop();
    system.shutdown();
  });
  return { cluster, system, seed: bound.nodeId.split('#')[0] as string };
}

const upCount = (n: Node) => n.cluster.view().members.filter((m) => m.status === 'up').length;

if (!hasOpenssl) t.plan(0, 'openssl is not on PATH: cannot make test certificates');
else {
  const certs = makeCerts();
  t.teardown(certs.remove);
  const f = certs.file;
  const withCa = (cert: string) => ['--tls-cert', f(`${cert}.crt`), '--tls-key', f(`${cert}.key`), '--tls-ca', f('ca.crt')];
  const noCa = (cert: string) => ['--tls-cert', f(`${cert}.crt`), '--tls-key', f(`${cert}.key`)];

  t.test('mutual TLS with a cluster CA: members talk; another CA and plain TCP are refused', async (t) => {
    const logs: string[] = [];
    const a = await start(t, 'a', withCa('node'), '', logs);
    const b = await start(t, 'b', withCa('node'), a.seed, logs);
    const rogue = await start(t, 'rogue', withCa('rogue'), a.seed, logs);
    const plain = await start(t, 'plain', [], a.seed, logs);
    await until(() => upCount(a) === 2 && b.cluster.membership.selfMember?.status === 'up', 5_000, 'b joins over TLS');
    const echo = a.system.spawn(
      stateless<{ _tag: 'Ping'; replyTo: ActorRef<string> }>((m) => m.replyTo.tell('pong')),
      { name: 'echo' },
    );
    t.equal(
      await b.system
        .ref<{ _tag: 'Ping'; replyTo: ActorRef<string> }>(echo.address)
        .ask<string>((replyTo) => ({ _tag: 'Ping', replyTo }), 2_000),
      'pong',
      'an ask over TLS, after a handshake bound to the session',
    );
    await until(() => logs.some((l) => l.startsWith('rogue') && /closed/.test(l)), 5_000, 'the rogue node is refused');
    await until(() => logs.some((l) => l.startsWith('plain') && /closed/.test(l)), 5_000, 'the plain node is refused');
    t.equal(rogue.cluster.membership.selfMember, undefined, 'a certificate from another CA never joins');
    t.equal(plain.cluster.membership.selfMember, undefined, 'plain TCP never joins a TLS cluster');
    t.equal(a.cluster.view().members.length, 2);
    t.notOk(
      logs.some((l) => l.includes('--tls-insecure')),
      'no insecure warning by default',
    );
  });

  t.test('a certificate that does not name the address dialled is refused; --tls-insecure skips the name check', async (t) => {
    const logs: string[] = [];
    // The seed's certificate is from the cluster CA, but for elsewhere.example and 10.9.9.9, not 127.0.0.1.
    const w = await start(t, 'w', withCa('elsewhere'), '', logs);
    await until(() => upCount(w) === 1, 5_000, 'w forms a cluster');
    const c = await start(t, 'c', withCa('node'), w.seed, logs);
    await until(
      () => logs.some((l) => l.startsWith('c ') && /does not match certificate's altnames/.test(l)),
      5_000,
      'c refuses the seed: the name does not match',
    );
    t.equal(c.cluster.membership.selfMember, undefined, 'c never joins');
    t.equal(w.cluster.view().members.length, 1, 'w sees nobody join');

    const d = await start(t, 'd', [...withCa('node'), '--tls-insecure'], w.seed, logs);
    await until(() => upCount(w) === 2 && d.cluster.membership.selfMember?.status === 'up', 5_000, 'd joins: no name check');
    t.ok(
      logs.some((l) =>
        l.startsWith(
          'd warn: --tls-insecure: peer certificates are not checked against the address dialled, only that the cluster CA signed them',
        ),
      ),
      'the insecure member warns at start',
    );
  });

  t.test('without --tls-ca the system CAs decide: a certificate they do not vouch for is refused unless --tls-insecure', async (t) => {
    const logs: string[] = [];
    const s1 = await start(t, 's1', noCa('node'), '', logs);
    await until(() => upCount(s1) === 1, 5_000, 's1 forms a cluster');
    const s2 = await start(t, 's2', noCa('node'), s1.seed, logs);
    await until(
      () => logs.some((l) => l.startsWith('s2 ') && /unable to (verify the first|get local issuer) certificate/.test(l)),
      5_000,
      "s2 refuses s1's certificate: no system CA signed it",
    );
    t.equal(s2.cluster.membership.selfMember, undefined, 's2 never joins');

    const i1 = await start(t, 'i1', [...noCa('rogue'), '--tls-insecure'], '', logs);
    await until(() => upCount(i1) === 1, 5_000, 'i1 forms a cluster');
    const i2 = await start(t, 'i2', [...noCa('node'), '--tls-insecure'], i1.seed, logs);
    await until(
      () => upCount(i1) === 2 && i2.cluster.membership.selfMember?.status === 'up',
      5_000,
      'insecure members accept any certificate',
    );
    t.ok(
      logs.some((l) => l.startsWith('i2 warn: --tls-insecure: peer certificates are not checked at all, any certificate is accepted')),
      'the warning says any certificate is accepted',
    );

    // A relay that terminates TLS on both sides, with a certificate insecure members accept: the
    // handshake it relays is bound to the wrong session on each side, and fails.
    const mitm = tls.createServer({ cert: certs.read('rogue.crt'), key: certs.read('rogue.key') }, (inbound) => {
      const [host, port] = i1.seed.split(':') as [string, string];
      const outbound = tls.connect({ host, port: Number(port), rejectUnauthorized: false });
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    // A relay of bytes (no TLS termination): one TLS session end to end, which the binding allows.
    const pipe = net.createServer((inbound) => {
      const [host, port] = i1.seed.split(':') as [string, string];
      const outbound = net.connect({ host, port: Number(port) });
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    const listen = (server: net.Server) =>
      new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
    const mitmPort = await listen(mitm);
    const pipePort = await listen(pipe);
    t.teardown(() => {
      mitm.close();
      pipe.close();
    });
    const spliced = await start(
      t,
      'spliced',
      [...noCa('node'), '--tls-insecure', '--route', `${i1.seed}=127.0.0.1:${mitmPort}`],
      i1.seed,
      logs,
    );
    await until(
      () => logs.some((l) => l.startsWith('i1 ') && l.includes('not the same TLS session')),
      5_000,
      'i1 refuses the handshake relayed across two TLS sessions',
    );
    const relayed = await start(
      t,
      'relayed',
      [...noCa('node'), '--tls-insecure', '--route', `${i1.seed}=127.0.0.1:${pipePort}`],
      i1.seed,
      logs,
    );
    await until(() => relayed.cluster.membership.selfMember?.status === 'up', 5_000, 'a byte relay carries one TLS session: it joins');
    t.equal(spliced.cluster.membership.selfMember, undefined, 'the member behind the TLS-terminating relay never joins');
    t.notOk(
      i1.cluster.view().members.some((m) => m.node === spliced.cluster.nodeId),
      'i1 never lists it',
    );
  });
}
