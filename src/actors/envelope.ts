/**
 * What travels between threads. A frame is a batch of messages: a table of the distinct target
 * paths in it, then a flat run of (path index, message, sender) triples. Flat, not one small array
 * per message, because frames carry millions of messages a second and every allocation shows;
 * the path table means a target's path string is decoded, hashed and looked up once per frame.
 *
 * Runtime control messages (watch, spawn, registry) go to the reserved path `$system`.
 */
import type { Address, AnyRef } from './ref.ts';

export const SYSTEM_PATH = '$system';

export type Frame = readonly [paths: string[], entries: unknown[]];

export type SystemMessage =
  | { readonly _tag: '$Watch'; readonly target: string; readonly watcher: AnyRef }
  | { readonly _tag: '$Unwatch'; readonly target: string; readonly watcher: AnyRef }
  | {
      readonly _tag: '$Spawn';
      readonly kind: string;
      readonly args: unknown;
      readonly options: { name?: string; idleTimeoutMs?: number; mailboxCapacity?: number };
      readonly replyTo: AnyRef;
    }
  | { readonly _tag: '$RegisterRequest'; readonly name: string; readonly ref: AnyRef; readonly replyTo: AnyRef }
  | { readonly _tag: '$RegistryAdd'; readonly name: string; readonly ref: AnyRef }
  | { readonly _tag: '$RegistryRemove'; readonly name: string; readonly ref: AnyRef }
  | { readonly _tag: '$RegistrySync'; readonly entries: ReadonlyArray<readonly [string, AnyRef]> }
  | { readonly _tag: '$Forward'; readonly to: Address; readonly message: unknown }
  | { readonly _tag: '$NodeDown'; readonly node: string };
