/**
 * What travels between threads: user envelopes `[0, path, message, sender]` and runtime control
 * messages `[1, message]`. Tuples, not objects, because they are encoded by the million.
 */
import type { AnyRef } from './ref.ts';

export type Envelope = readonly [0, string, unknown, AnyRef | null] | readonly [1, SystemMessage];

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
  | { readonly _tag: '$RegistrySync'; readonly entries: ReadonlyArray<readonly [string, AnyRef]> };
