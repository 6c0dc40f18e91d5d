/**
 * Golden bytes for wire version 1: the preamble, the frame header, control messages and a
 * MESSAGES frame. A failure here means running nodes would no longer understand this one: bump
 * WIRE_VERSION and keep a reader for the old one, never change these bytes silently.
 */
import t from 'tap';
import { ActorSystem, encode } from '../../src/actors/index.ts';
import { controlFrame, decodeControl, frame, FrameReader, FrameType, PREAMBLE, WIRE_VERSION } from '../../src/cluster/wire.ts';
import { proof, verify } from '../../src/cluster/handshake.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('preamble and control frames are pinned', async (t) => {
  t.equal(WIRE_VERSION, 1);
  t.equal(hex(PREAMBLE), '414c465401', '"ALFT" + version 1');
  t.equal(
    hex(controlFrame(FrameType.Control, { _tag: 'Heartbeat', from: 'h:1#a', seq: 7 })),
    '000000210283a45f746167a9486561727462656174a466726f6da5683a312361a373657107',
  );
  t.equal(
    hex(controlFrame(FrameType.Control, { _tag: 'Join', node: 'h:2#b', roles: ['web'] })),
    '000000220283a45f746167a44a6f696ea46e6f6465a5683a322362a5726f6c657391a3776562',
  );
  t.equal(
    hex(controlFrame(FrameType.Handshake, { _tag: 'Welcome', proof: new Uint8Array([1, 2, 3]) })),
    '0000001a0182a45f746167a757656c636f6d65a570726f6f66c403010203',
  );
  const gossip = controlFrame(FrameType.Control, {
    _tag: 'Gossip',
    from: 'h:1#a',
    state: {
      members: [{ node: 'h:1#a', status: 'up', upNumber: 1, roles: [] }],
      removed: [],
      reachability: {},
      registry: { 'h:1#a': { v: 1, value: [['svc', 0, 'echo']] } },
    },
    seen: { 'h:1#a': 'abc' },
  });
  t.equal(
    hex(gossip),
    '0000009d0284a45f746167a6476f73736970a466726f6da5683a312361a5737461746584a76d656d626572739184a46e6f6465a5683a312361a6737461747573a27570a875704e756d62657201a5726f6c657390a772656d6f76656490ac72656163686162696c69747980a8726567697374727981a5683a31236182a17601a576616c75659193a373766300a46563686fa47365656e81a5683a312361a3616263',
  );
});

t.test('a MESSAGES frame: target incarnation, thread, path table, (path index, message, sender)*', async (t) => {
  const sys = new ActorSystem({ node: 'h:1#a', log: () => undefined });
  t.teardown(() => sys.shutdown());
  const sender = sys.ref({ node: 'h:1#a', thread: 0, path: '$temp/1' });
  const bytes = frame(FrameType.Messages, encode(['h:2#b', 0, ['echo'], [0, { _tag: 'Ping', n: 1 }, sender]]));
  t.equal(hex(bytes), '000000351094a5683a3223620091a46563686f9300d4724092a45f746167a16ea450696e6701d4410093a5683a31236100a72474656d702f31');
});

t.test('the reader splits frames across chunk boundaries and rejects bad input', async (t) => {
  const frames: Array<[number, string]> = [];
  const reader = new FrameReader((type, payload) => frames.push([type, hex(payload)]));
  const stream = Buffer.concat([
    PREAMBLE,
    frame(FrameType.Control, new Uint8Array([1, 2])),
    frame(FrameType.Messages, new Uint8Array([3])),
  ]);
  for (const byte of stream) reader.push(Buffer.from([byte]));
  t.same(frames, [
    [FrameType.Control, '0102'],
    [FrameType.Messages, '03'],
  ]);
  t.throws(() => new FrameReader(() => undefined).push(Buffer.from('HTTP/')), /bad magic/);
  t.throws(() => new FrameReader(() => undefined).push(Buffer.from('ALFT\x02', 'latin1')), /unsupported wire version 2/);
  t.throws(() => new FrameReader(() => undefined).push(Buffer.concat([PREAMBLE, Buffer.from([0, 0, 0, 0, 0])])), /out of bounds/);
  t.throws(() => decodeControl(new Uint8Array([0xc1])), /undecodable control payload|not a tagged message/);
  t.throws(() => decodeControl(new Uint8Array([0x01])), /not a tagged message/);
});

t.test('handshake proofs: bound to role, nonce and both identities', async (t) => {
  const nonce = new Uint8Array(32).fill(7);
  const p = proof('secret-secret-secret', 'client', 'c', nonce, 'h:1#a', 'h:2#b');
  t.equal(hex(p), hex(proof('secret-secret-secret', 'client', 'c', nonce, 'h:1#a', 'h:2#b')), 'deterministic');
  t.ok(verify(p, p));
  t.notOk(
    verify(p, proof('secret-secret-secret', 'server', 'c', nonce, 'h:1#a', 'h:2#b')),
    'a proof cannot be reflected in the other role',
  );
  t.notOk(verify(p, proof('other-secret-other', 'client', 'c', nonce, 'h:1#a', 'h:2#b')), 'wrong secret');
  t.notOk(verify(p, proof('secret-secret-secret', 'client', 'c', new Uint8Array(32), 'h:1#a', 'h:2#b')), 'another nonce');
  t.notOk(verify(p, proof('secret-secret-secret', 'client', 'x', nonce, 'h:1#a', 'h:2#b')), 'another cluster');
  t.notOk(verify(p, 'not bytes'), 'garbage');
});
