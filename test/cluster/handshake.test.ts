/**
 * The transport refuses what it must: a peer with the wrong secret or cluster name, and bytes
 * that are not Aloft frames. Each closes that connection with a logged reason; the node lives on.
 * In one process, two nodes on loopback. And the proofs themselves: unchanged on plain TCP, bound
 * to the TLS session's exported keying material on TLS.
 */
import net from 'node:net';
import tls from 'node:tls';
import t from 'tap';
import { ActorSystem, stateless, type ActorRef } from '../../src/actors/index.ts';
import { bindCluster, parseClusterConfig, type ClusterNode } from '../../src/cluster/index.ts';
import { proof, sessionBinding, verify } from '../../src/cluster/handshake.ts';
import { hasOpenssl, makeCerts } from './fixtures/certs.ts';
import { SECRET, until } from './fixtures/harness.ts';

const args = ['a-secret-of-16-chars', 'client', 'c1', new Uint8Array(32).fill(7), '127.0.0.1:1#a', '127.0.0.1:2#b'] as const;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('a plain-TCP proof is byte for byte what it was before the TLS binding', async (t) => {
  t.equal(hex(proof(...args)), '787c6b5059c870494669534ddcf99e2b8876571b135f405f908d1b3b125a80ef');
});

t.test('proofs bound to a TLS session: another session, another proof', async (t) => {
  const sessionA = new Uint8Array(32).fill(1);
  const sessionB = new Uint8Array(32).fill(2);
  const onA = proof(...args, sessionA);
  const onB = proof(...args, sessionB);
  t.not(hex(onA), hex(onB), 'different keying material, different proofs');
  t.not(hex(onA), hex(proof(...args)), 'a bound proof is not the unbound one');
  t.ok(verify(proof(...args, sessionA), onA), 'verifies on the session it was made for');
  t.notOk(verify(proof(...args, sessionB), onA), 'a proof made on one session does not verify on another');
  t.notOk(verify(proof(...args), onA), 'nor on plain TCP');
  t.notOk(verify(proof(...args, sessionA), proof(...args)), 'nor does an unbound proof verify on a session');
  const [secret, , cluster, nonce, prover, verifier] = args;
  t.not(hex(proof(secret, 'server', cluster, nonce, prover, verifier, sessionA)), hex(onA), 'the role still counts');
});

t.test(
  'both ends of one TLS session export the same bytes; another session, other bytes; plain TCP none',
  { skip: !hasOpenssl && 'no openssl' },
  async (t) => {
    const certs = makeCerts();
    t.teardown(certs.remove);
    const served: Uint8Array[] = [];
    const server = tls.createServer({ cert: certs.read('node.crt'), key: certs.read('node.key') }, (socket) => {
      served.push(sessionBinding(socket) as Uint8Array);
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const dial = () =>
      new Promise<Uint8Array>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, ca: certs.read('ca.crt') }, () => {
          resolve(sessionBinding(socket) as Uint8Array);
          socket.on('error', () => undefined);
          socket.end();
        });
        socket.once('error', reject);
      });
    const first = await dial();
    const second = await dial();
    await until(() => served.length === 2, 5_000, 'the server saw both sessions');
    t.equal(first.byteLength, 32);
    t.equal(hex(first), hex(served[0] as Uint8Array), 'client and server agree on the first session');
    t.equal(hex(second), hex(served[1] as Uint8Array), 'and on the second');
    t.not(hex(first), hex(second), 'two sessions, two exports');
    t.equal(sessionBinding(new net.Socket()), undefined, 'plain TCP: nothing to bind to');
  },
);

async function node(
  name: string,
  secret: string,
  seeds: string,
  cluster = 'hs',
  logs: string[] = [],
): Promise<{ cluster: ClusterNode; system: ActorSystem; logs: string[] }> {
  const { config } = parseClusterConfig([
    '--cluster-name',
    cluster,
    '--cluster-port',
    '0',
    '--secret',
    secret,
    ...(seeds ? ['--seeds', seeds] : []),
    '--heartbeat-ms',
    '50',
    '--gossip-ms',
    '50',
    '--seed-timeout-ms',
    '200',
    '--stable-after-ms',
    '1000',
  ]);
  if (!config) throw new Error('no config');
  const log = (level: string, line: string) => void logs.push(`${name} ${level}: ${line}`);
  const bound = await bindCluster(config, { log });
  const system = new ActorSystem({ node: bound.nodeId, log });
  return { cluster: await bound.start({ system }), system, logs };
}

t.test('wrong secret, wrong cluster, garbage: refused and logged, never a crash', async (t) => {
  const first = await node('a', SECRET, ''); // no seeds: a cluster of one at once
  const port = Number(first.cluster.nodeId.split('#')[0]?.split(':')[1]);
  const seeds = `127.0.0.1:${port}`;
  t.teardown(async () => {
    await first.cluster.stop();
    first.system.shutdown();
  });
  await until(() => first.cluster.membership.selfMember?.status === 'up', 5_000, 'a forms a cluster');

  const good = await node('b', SECRET, seeds);
  await until(
    () => first.cluster.view().members.length === 2 && good.cluster.view().members.every((m) => m.status === 'up'),
    5_000,
    'b joins',
  );
  t.pass('a node with the right secret joins');
  // Remote ask in-process over TCP: the reply finds its way back through the sender's ref.
  const echo = first.system.spawn(
    stateless<{ _tag: 'Ping'; replyTo: ActorRef<string> }>((m, ctx) => m.replyTo.tell(`pong from ${ctx.self.address.node}`)),
    { name: 'echo' },
  );
  const reply = await good.system
    .ref<{ _tag: 'Ping'; replyTo: ActorRef<string> }>(echo.address)
    .ask<string>((replyTo) => ({ _tag: 'Ping', replyTo }), 2_000);
  t.equal(reply, `pong from ${first.cluster.nodeId}`);

  const bad = await node('c', 'a-different-secret-of-length', seeds);
  const otherCluster = await node('d', SECRET, seeds, 'other');
  t.teardown(async () => {
    for (const n of [good, bad, otherCluster]) {
      await n.cluster.stop();
      n.system.shutdown();
    }
  });
  await until(() => first.logs.some((l) => l.includes('wrong cluster secret')), 5_000, 'a logs the refused secret');
  await until(
    () => otherCluster.logs.some((l) => l.includes('belongs to cluster "hs", not "other"')),
    5_000,
    "the other cluster's node sees the mismatch",
  );
  t.ok(
    bad.logs.some((l) => l.includes('refused by peer') || l.includes('closed')),
    'the refused node is told why',
  );

  // Garbage on the cluster port: bad magic closes that connection only.
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.on('error', () => undefined);
  sock.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  await until(() => first.logs.some((l) => l.includes('bad magic')), 5_000, 'bad magic logged');
  // A right preamble then an absurd frame length.
  const sock2 = net.connect({ host: '127.0.0.1', port });
  sock2.on('error', () => undefined);
  sock2.write(Buffer.concat([Buffer.from('ALFT\x01', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01])]));
  await until(() => first.logs.some((l) => l.includes('out of bounds')), 5_000, 'oversized frame logged');
  sock.destroy();
  sock2.destroy();

  t.same(
    first.cluster
      .view()
      .members.map((m) => m.node)
      .sort(),
    [first.cluster.nodeId, good.cluster.nodeId].sort(),
    'only the right node joined',
  );
  t.equal(bad.cluster.membership.selfMember, undefined, 'the wrong-secret node never became a member');
  t.equal(otherCluster.cluster.membership.selfMember, undefined, "nor did the other cluster's node");
  const again = await good.system
    .ref<{ _tag: 'Ping'; replyTo: ActorRef<string> }>(echo.address)
    .ask<string>((replyTo) => ({ _tag: 'Ping', replyTo }), 2_000);
  t.match(again, /^pong/, 'the node still serves after all that');
});
