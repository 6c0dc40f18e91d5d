/**
 * The node-to-node wire format, version 1. Changing anything here breaks mixed-version clusters;
 * test/cluster/wire.test.ts pins the bytes.
 *
 *   connection preamble (each side, once):  "ALFT" (4 bytes) | version (u8)
 *   frame:                                  length (u32 BE, of type + payload) | type (u8) | payload
 *
 *   type 0x01 HANDSHAKE  payload: msgpack map (Challenge | Hello | Welcome | Reject)
 *   type 0x02 CONTROL    payload: msgpack map (Join | NotMember | Gossip | Heartbeat)
 *   type 0x10 MESSAGES   payload: the runtime codec (msgpackr records, refs as ext 0x41) of
 *                        [toNode, thread, paths[], [pathIndex0, message0, sender0, pathIndex1, ...]]
 *                        (one frame per target node and thread: the receiver hands the entries
 *                        to that thread's frame path as they are, without re-packing)
 *
 * Control messages use plain msgpack (no records) so their encoding is fixed and readable by any
 * msgpack library; application messages use the runtime's codec so refs survive the trip. Many
 * messages share one MESSAGES frame, and each path string appears once per frame.
 */
import { Packr, Unpackr } from 'msgpackr';
import type { GossipState } from './membership-state.ts';

export const MAGIC = Buffer.from('ALFT', 'latin1');
export const WIRE_VERSION = 1;
export const PREAMBLE = Buffer.concat([MAGIC, Buffer.from([WIRE_VERSION])]);
export const HEADER_BYTES = 5;

export const FrameType = { Handshake: 0x01, Control: 0x02, Messages: 0x10 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Largest frame we accept: bigger is a corrupt length or a hostile peer, and closes the connection. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export type HandshakeMessage =
  | { readonly _tag: 'Challenge'; readonly cluster: string; readonly node: string; readonly nonce: Uint8Array }
  | { readonly _tag: 'Hello'; readonly cluster: string; readonly node: string; readonly nonce: Uint8Array; readonly proof: Uint8Array }
  | { readonly _tag: 'Welcome'; readonly proof: Uint8Array }
  | { readonly _tag: 'Reject'; readonly reason: string };

export type ControlMessage =
  | { readonly _tag: 'Join'; readonly node: string; readonly roles: readonly string[] }
  /** The answer of a node that is not a member yet: lets the first seed form the cluster at once. */
  | { readonly _tag: 'NotMember'; readonly node: string }
  | { readonly _tag: 'Gossip'; readonly from: string; readonly state: GossipState; readonly seen: Readonly<Record<string, string>> }
  | { readonly _tag: 'Heartbeat'; readonly from: string; readonly seq: number };

const controlPackr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
const controlUnpackr = new Unpackr({ useRecords: false, moreTypes: false });

export function frame(type: FrameType, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  out.writeUInt32BE(payload.byteLength + 1, 0);
  out.writeUInt8(type, 4);
  out.set(payload, HEADER_BYTES);
  return out;
}

export function encodeControl(message: HandshakeMessage | ControlMessage): Uint8Array {
  return Uint8Array.from(controlPackr.pack(message));
}

export function controlFrame(
  type: typeof FrameType.Handshake | typeof FrameType.Control,
  message: HandshakeMessage | ControlMessage,
): Buffer {
  return frame(type, controlPackr.pack(message));
}

export class WireError extends Error {
  readonly _tag = 'WireError';
  readonly retriable = false;
}

export function decodeControl(payload: Uint8Array): HandshakeMessage | ControlMessage {
  let value: unknown;
  try {
    value = controlUnpackr.unpack(payload);
  } catch (error) {
    throw new WireError(`undecodable control payload: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || typeof (value as { _tag?: unknown })._tag !== 'string')
    throw new WireError('control payload is not a tagged message');
  return value as HandshakeMessage | ControlMessage;
}

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive; it calls `onFrame` per complete
 * frame and keeps the tail. A bad preamble or an oversized length throws WireError: the caller
 * closes the connection.
 */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private preambleSeen = false;

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    if (!this.preambleSeen) {
      if (this.buffer.length < PREAMBLE.length) return;
      if (!this.buffer.subarray(0, 4).equals(MAGIC)) throw new WireError('not an Aloft peer (bad magic)');
      const version = this.buffer[4];
      if (version !== WIRE_VERSION) throw new WireError(`unsupported wire version ${version} (this node speaks ${WIRE_VERSION})`);
      this.preambleSeen = true;
      offset = PREAMBLE.length;
    }
    while (this.buffer.length - offset >= HEADER_BYTES) {
      const length = this.buffer.readUInt32BE(offset);
      if (length < 1 || length > MAX_FRAME_BYTES) throw new WireError(`frame length ${length} out of bounds`);
      if (this.buffer.length - offset - 4 < length) break;
      const type = this.buffer[offset + 4] as number;
      const payload = this.buffer.subarray(offset + HEADER_BYTES, offset + 4 + length);
      offset += 4 + length;
      this.onFrame(type, payload);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }
}
