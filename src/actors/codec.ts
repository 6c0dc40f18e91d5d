/**
 * The wire codec for messages between threads (and later nodes): msgpackr, with one extension for
 * actor refs. A ref is written as its address; on read it is bound to the router of the thread
 * that decodes it, so a ref received from another worker can be told at once.
 *
 * msgpackr's extensions are registered per module instance, i.e. once per thread. Which router a
 * decoded ref binds to is set around each decode call (`decodeWith`), because tests may run
 * several systems in one thread.
 */
import { Packr, Unpackr, addExtension } from 'msgpackr';
import { ActorRef, type Address, type Router } from './ref.ts';

/** Extension type byte for refs. Changing it breaks compatibility with running nodes. */
export const REF_EXTENSION_TYPE = 0x41;

let decodingRouter: Router | undefined;

const unboundRouter: Router = {
  deliver() {
    throw new Error('actor ref decoded outside of a router: use decodeWith');
  },
  ask() {
    return Promise.reject(new Error('actor ref decoded outside of a router: use decodeWith'));
  },
};

addExtension({
  Class: ActorRef,
  type: REF_EXTENSION_TYPE,
  write(ref: ActorRef<unknown>): [string, number, string] {
    return [ref.address.node, ref.address.thread, ref.address.path];
  },
  read(data: [string, number, string]): ActorRef<unknown> {
    const address: Address = { node: data[0], thread: data[1], path: data[2] };
    return new ActorRef(address, decodingRouter ?? unboundRouter);
  },
});

// Records (msgpackr's structure extension) make decoding several times faster. Without shared
// `structures`, each pack() writes the definitions it uses inline, so every frame decodes on its
// own, on a thread or node that never saw an earlier frame (pinned by a test).
const packr = new Packr({ useRecords: true, moreTypes: false });
const unpackr = new Unpackr({ useRecords: true, moreTypes: false });

/** Encodes to a fresh Uint8Array that the caller may transfer (msgpackr reuses its own buffer). */
export function encode(value: unknown): Uint8Array {
  const view = packr.pack(value);
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** Encodes into msgpackr's shared buffer: valid only until the next encode. */
export function encodeShared(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decodeWith<T>(router: Router, bytes: Uint8Array): T {
  const previous = decodingRouter;
  decodingRouter = router;
  try {
    return unpackr.unpack(bytes) as T;
  } finally {
    decodingRouter = previous;
  }
}
