/**
 * Mutual authentication of two nodes with the cluster secret, before any other frame:
 *
 *   server -> client  Challenge { cluster, node, nonceS }
 *   client -> server  Hello     { cluster, node, nonceC, proof = HMAC(secret, "client" | cluster | nonceS | clientNode | serverNode [| ekm]) }
 *   server -> client  Welcome   { proof = HMAC(secret, "server" | cluster | nonceC | serverNode | clientNode [| ekm]) }   or Reject
 *
 * Each side proves it holds the secret over a nonce the other chose, so a recorded handshake
 * cannot be replayed, and neither side reveals anything a guesser could test offline beyond one
 * HMAC per connection. The labels stop a proof from being reflected back. Proofs are compared in
 * constant time. The cluster name is checked too, so two clusters sharing a secret by accident
 * stay apart.
 *
 * On a TLS link both proofs also cover `ekm`, keying material exported from the TLS session
 * (RFC 5705 / RFC 8446 section 7.5, label EXPORTER_LABEL). Both ends derive the same bytes only
 * when they share one TLS session: a man in the middle that terminates TLS towards each side
 * holds two sessions with two different exports, so a handshake it relays fails on both sides
 * even if it holds a certificate the nodes accept. On plain TCP there is no session to bind to
 * and the proof is byte for byte what it always was (test/cluster/handshake.test.ts pins it).
 * What this does not cover: docs/cluster.md, "What the handshake and TLS protect against".
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export const NONCE_BYTES = 32;
/** The exporter label (RFC 5705 reserves the "EXPORTER" prefix for such use). Changing it splits a cluster in two. */
export const EXPORTER_LABEL = 'EXPORTER-aloft-handshake';
export const EKM_BYTES = 32;
/** An empty context: both ends pass the same, which is all the exporter needs. */
const NO_CONTEXT = Buffer.alloc(0);

export function nonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

/**
 * The TLS session's exported keying material, or undefined on plain TCP. Only valid once the TLS
 * handshake is done: each side takes it when the other's first handshake frame arrives (the
 * client on the Challenge, the server on the Hello), which comes through the finished session.
 */
export function sessionBinding(socket: Socket): Uint8Array | undefined {
  return socket instanceof TLSSocket ? new Uint8Array(socket.exportKeyingMaterial(EKM_BYTES, EXPORTER_LABEL, NO_CONTEXT)) : undefined;
}

export function proof(
  secret: string | Uint8Array,
  role: 'client' | 'server',
  cluster: string,
  theirNonce: Uint8Array,
  prover: string,
  verifier: string,
  binding?: Uint8Array,
): Uint8Array {
  const h = createHmac('sha256', secret);
  // A bound proof has its own label, so it can never equal an unbound one for other inputs.
  h.update(binding === undefined ? role : `${role}+tls-exporter`);
  h.update('\0');
  h.update(cluster);
  h.update('\0');
  h.update(theirNonce);
  h.update(prover);
  h.update('\0');
  h.update(verifier);
  if (binding !== undefined) {
    h.update('\0');
    h.update(binding);
  }
  return new Uint8Array(h.digest());
}

export function verify(expected: Uint8Array, received: unknown): boolean {
  if (!(received instanceof Uint8Array) || received.byteLength !== expected.byteLength) return false;
  return timingSafeEqual(expected, received);
}
