/**
 * A node process for the cluster benchmarks. Cluster flags as the real node takes them. Hosts:
 *   sink   counts messages; { _tag: 'Expect', n, replyTo } answers once n have arrived;
 *   echo   answers every { _tag: 'Ping', replyTo } with 'pong';
 * and, for the baselines, a raw TCP server on --raw-port: the wire's preamble and frames
 * (src/cluster/wire.ts) and the runtime codec, without the transport and without actors. The
 * first frame of a connection picks what it does:
 *   0x01 n (u32)     tell sink: counts the messages of the MESSAGES frames that follow and
 *                    answers one byte once n have arrived;
 *   0x03 port (u32)  echo: dials back 127.0.0.1:port (replies go on their own connection, as
 *                    the transport's do) and answers every message of each MESSAGES frame with
 *                    a MESSAGES frame carrying 'pong' to the message's replyTo, as `echo` does;
 *   0x7f             bare ping: each such frame is answered with one byte on the same socket.
 * Prints JSON lines: { event: 'ready', node, t } and { event: 'cluster', tag, node, t }.
 */
import net from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import { ActorSystem, stateful, stateless, type ActorRef } from '../../src/actors/index.ts';
import { defineCli } from '../../src/cli/args.ts';
import { bindCluster, parseClusterConfig } from '../../src/cluster/index.ts';
import { frame, FrameReader, FrameType, PREAMBLE } from '../../src/cluster/wire.ts';

export type SinkMsg =
  | { readonly _tag: 'Inc'; readonly i: number }
  | { readonly _tag: 'Expect'; readonly n: number; readonly replyTo: ActorRef<number> };
export type EchoMsg = { readonly _tag: 'Ping'; readonly replyTo: ActorRef<string> };

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);
// The cluster's flags first (they are taken out); what is left is this script's own.
const { config, rest } = parseClusterConfig(process.argv.slice(2), process.env);
const own = defineCli({
  name: '_cluster-node',
  usage: 'usage: node --import tsx ops/bench/_cluster-node.ts --cluster-name NAME … [--raw-port P]',
  flags: { 'raw-port': { type: 'string', value: 'P', help: 'also serve the raw baselines on this port' } },
}).parse(rest).values;
const rawPort = own['raw-port'] === undefined ? undefined : Number(own['raw-port']);
if (!config) throw new Error('needs --cluster-name');
const bound = await bindCluster(config, {
  log: (level, line) => level !== 'debug' && level !== 'info' && process.stderr.write(`${line}\n`),
});
const system = new ActorSystem({ node: bound.nodeId, mailboxCapacity: 50_000_000, log: () => undefined });
const cluster = await bound.start({ system });
cluster.onClusterEvent((e) =>
  out({ event: 'cluster', tag: e._tag, node: 'member' in e ? e.member.node : 'node' in e ? e.node : e.leader }),
);

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
system.spawn(
  stateless<EchoMsg>((m) => m.replyTo.tell('pong')),
  { name: 'echo' },
);

/** The raw baselines' first frame types (bench-only; ops/bench/cluster.ts sends them). */
const RawMode = { Sink: 0x01, Echo: 0x03, BarePing: 0x7f } as const;

if (rawPort !== undefined) {
  // The runtime codec's settings (records; refs through the ext the runtime registers globally).
  const packr = new Packr({ useRecords: true, moreTypes: false });
  const unpackr = new Unpackr({ useRecords: true, moreTypes: false });
  const pong = Buffer.from([1]);
  net
    .createServer((socket) => {
      socket.setNoDelay(true);
      let mode = 0;
      let want = Infinity;
      let count = 0;
      let back: net.Socket | undefined;
      const reader = new FrameReader((type, payload) => {
        if (type === RawMode.BarePing) return void socket.write(pong);
        if (mode === 0) {
          mode = type;
          if (type === RawMode.Sink) want = payload.readUInt32BE(0);
          if (type === RawMode.Echo) {
            back = net.connect({ host: '127.0.0.1', port: payload.readUInt32BE(0) });
            back.setNoDelay(true);
            back.on('error', () => undefined);
            back.write(PREAMBLE);
          }
          return;
        }
        const [, , , entries] = unpackr.unpack(payload) as [string, number, string[], unknown[]];
        if (mode === RawMode.Sink) {
          count += entries.length / 3;
          if (count >= want) {
            want = Infinity;
            socket.write(Buffer.from([2]));
          }
        } else if (mode === RawMode.Echo && back !== undefined) {
          for (let i = 0; i < entries.length; i += 3) {
            const to = (entries[i + 1] as EchoMsg).replyTo.address;
            back.write(frame(FrameType.Messages, packr.pack([to.node, to.thread, [to.path], [0, 'pong', null]])));
          }
        }
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch {
          socket.destroy(); // not our framing: drop that connection, not the node
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => back?.destroy());
    })
    .listen(rawPort, '127.0.0.1');
}
process.on('SIGTERM', () => void cluster.leave().then(() => process.exit(0)));
out({ event: 'ready', node: bound.nodeId });
