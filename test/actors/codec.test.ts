/**
 * Golden tests: the inter-thread frame layout and the encoding of refs must not change silently
 * (a node running the old layout could not talk to one running the new).
 */
import t from 'tap';
import { ActorRef, ActorSystem } from '../../src/actors/index.ts';
import { decodeWith, encode, REF_EXTENSION_TYPE } from '../../src/actors/codec.ts';
import type { Frame } from '../../src/actors/envelope.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('a ref encodes as extension 0x41 around [node, thread, path]', async (t) => {
  const system = new ActorSystem({ node: 'n1', thread: 2, log: () => undefined });
  t.teardown(() => system.shutdown());
  t.equal(REF_EXTENSION_TYPE, 0x41);
  t.equal(hex(encode(system.refAt('a/b'))), 'd4410093a26e3102a3612f62');
  const back = decodeWith<ActorRef<never>>(system, encode(system.refAt('a/b')));
  t.ok(back instanceof ActorRef, 'decoded as a ref');
  t.same(back.address, { node: 'n1', thread: 2, path: 'a/b' });
});

t.test('frame layout: [paths, [pathIndex, message, sender, ...]]', async (t) => {
  const system = new ActorSystem({ node: 'n1', thread: 2, log: () => undefined });
  t.teardown(() => system.shutdown());
  const frame: Frame = [['x'], [0, { _tag: 'Hit', i: 1 }, system.refAt('a/b')]];
  t.equal(hex(encode(frame)), '9291a1789300d4724092a45f746167a169a348697401d4410093a26e3102a3612f62');
});

t.test('every frame decodes on its own, even with more shapes than record slots', async (t) => {
  const system = new ActorSystem({ log: () => undefined });
  t.teardown(() => system.shutdown());
  const shapes = (offset: number) =>
    Array.from({ length: 200 }, (_, i) => ({ _tag: `T${i}`, [`f${(i + offset) % 200}`]: i, nested: { [`g${i}`]: [i] } }));
  const first = shapes(0);
  const second = shapes(7);
  const a = encode(first);
  const b = encode(second);
  // Decoded out of order and each alone: nothing is carried from one frame to the next.
  t.same(decodeWith(system, b), second);
  t.same(decodeWith(system, a), first);
});
