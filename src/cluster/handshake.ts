/**
 * Mutual authentication of two nodes with the cluster secret, before any other frame:
 *
 *   server -> client  Challenge { cluster, node, nonceS }
 *   client -> server  Hello     { cluster, node, nonceC, proof = HMAC(secret, "client" | cluster | nonceS | clientNode | serverNode) }
 *   server -> client  Welcome   { proof = HMAC(secret, "server" | cluster | nonceC | serverNode | clientNode) }   or Reject
 *
 * Each side proves it holds the secret over a nonce the other chose, so a recorded handshake
 * cannot be replayed, and neither side reveals anything a guesser could test offline beyond one
 * HMAC per connection. The labels stop a proof from being reflected back. Proofs are compared in
 * constant time. The cluster name is checked too, so two clusters sharing a secret by accident
 * stay apart. This authenticates; confidentiality is TLS's job (see transport options).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_BYTES = 32;

export function nonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

export function proof(
  secret: string | Uint8Array,
  role: 'client' | 'server',
  cluster: string,
  theirNonce: Uint8Array,
  prover: string,
  verifier: string,
): Uint8Array {
  const h = createHmac('sha256', secret);
  h.update(role);
  h.update('\0');
  h.update(cluster);
  h.update('\0');
  h.update(theirNonce);
  h.update(prover);
  h.update('\0');
  h.update(verifier);
  return new Uint8Array(h.digest());
}

export function verify(expected: Uint8Array, received: unknown): boolean {
  if (!(received instanceof Uint8Array) || received.byteLength !== expected.byteLength) return false;
  return timingSafeEqual(expected, received);
}
