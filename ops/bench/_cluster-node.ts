/**
 * A node process for the cluster benchmarks. Cluster flags as the real node takes them. Hosts:
 *   sink   counts messages; { _tag: 'Expect', n, replyTo } answers once n have arrived;
 *   echo   answers every { _tag: 'Ping', replyTo } with 'pong';
 * and, for the baselines, a raw TCP server on --raw-port speaking the same frames: it counts
 * messages in MESSAGES frames (answering one byte once `n` arrived, n set by a 4-byte header
 * frame) and echoes single-byte pings.
 * Prints JSON lines: { event: 'ready', node, t } and { event: 'cluster', tag, node, t }.
 */
import net from 'node:net';
import { Unpackr } from 'msgpackr';
import { ActorSystem, stateful, stateless, type ActorRef } from '../../src/actors/index.ts';
import { bindCluster, parseClusterConfig } from '../../src/cluster/index.ts';

export type SinkMsg = { readonly _tag: 'Inc'; readonly i: number } | { readonly _tag: 'Expect'; readonly n: number; readonly replyTo: ActorRef<number> };
export type EchoMsg = { readonly _tag: 'Ping'; readonly replyTo: ActorRef<string> };

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);
const argv = process.argv.slice(2);
const ri = argv.indexOf('--raw-port');
const rawPort = ri >= 0 ? Number(argv.splice(ri, 2)[1]) : undefined;
const { config } = parseClusterConfig(argv, process.env);
if (!config) throw new Error('needs --cluster-name');
const bound = await bindCluster(config, { log: (level, line) => level !== 'debug' && level !== 'info' && process.stderr.write(`${line}\n`) });
const system = new ActorSystem({ node: bound.nodeId, mailboxCapacity: 50_000_000, log: () => undefined });
const cluster = await bound.start({ system });
cluster.onClusterEvent((e) => out({ event: 'cluster', tag: e._tag, node: 'member' in e ? e.member.node : 'node' in e ? e.node : e.leader }));

system.spawn(
  stateful<{ count: number; want: number; replyTo: ActorRef<number> | undefined }, SinkMsg>({
    initial: { count: 0, want: Infinity, replyTo: undefined },
    receive(s, m) {
      if (m._tag === 'Expect') return { count: 0, want: m.n, replyTo: m.replyTo };
      s.count++;
      if (s.count === s.want) s.replyTo?.tell(s.count);
      return s;
    },
  }),
  { name: 'sink' },
);
system.spawn(stateless<EchoMsg>((m) => m.replyTo.tell('pong')), { name: 'echo' });

if (rawPort !== undefined) {
  const unpackr = new Unpackr({ useRecords: true });
  net
    .createServer((socket) => {
      socket.setNoDelay(true);
      let buf: Buffer = Buffer.alloc(0);
      let want = Infinity;
      let count = 0;
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        let off = 0;
        while (buf.length - off >= 5) {
          const len = buf.readUInt32BE(off);
          if (buf.length - off - 4 < len) break;
          const type = buf[off + 4];
          const payload = buf.subarray(off + 5, off + 4 + len);
          off += 4 + len;
          if (type === 0x7f) socket.write(Buffer.from([1])); // ping
          else if (type === 0x01) {
            want = payload.readUInt32BE(0);
            count = 0;
          } else {
            const frame = unpackr.unpack(payload) as [string, number, string[], unknown[]];
            count += frame[3].length / 3;
            if (count >= want) {
              want = Infinity;
              socket.write(Buffer.from([2]));
            }
          }
        }
        buf = off === buf.length ? Buffer.alloc(0) : buf.subarray(off);
      });
      socket.on('error', () => undefined);
    })
    .listen(rawPort, '127.0.0.1');
}
process.on('SIGTERM', () => void cluster.leave().then(() => process.exit(0)));
out({ event: 'ready', node: bound.nodeId });
