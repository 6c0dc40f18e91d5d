/**
 * Actor references. A ref is an address (node, thread, path) plus the router of the thread that
 * holds it; `tell` and `ask` look the same whether the actor lives in this thread, another worker
 * or (later) another node. Refs are the one non-plain value allowed inside messages: the codec
 * writes them as their address and re-binds them to the receiving thread's router.
 */

export interface Address {
  /** The node's identity (host:port#incarnation once clustered; a local name before). */
  readonly node: string;
  /** 0 is the node's main thread, 1..K its workers. */
  readonly thread: number;
  /** Slash-separated path below the thread's guardian, e.g. "orders/42". Temp refs start with "$temp/". */
  readonly path: string;
}

/** An address as text: `aloft://node/thread/path`. */
export function formatAddress(a: Address): string {
  return `aloft://${a.node}/${a.thread}/${a.path}`;
}

/** What a ref needs from the runtime of the thread it is used in. */
export interface Router {
  deliver(to: Address, message: unknown, sender: AnyRef | undefined): void;
  ask<R>(to: Address, make: (replyTo: ActorRef<R>) => unknown, timeoutMs: number): Promise<R>;
}

/**
 * Where to send an actor messages of type `M`. Plain to pass around: it may travel inside
 * messages to other threads and nodes, where it arrives bound to the receiving thread. A ref does
 * not keep its actor alive; a message to one that has stopped is a dead letter.
 */
export class ActorRef<M> {
  /** Phantom field so that refs of different message types are not interchangeable. */
  declare readonly _message?: (m: M) => void;

  constructor(
    readonly address: Address,
    /** @internal */ readonly router: Router,
  ) {}

  /** Sends `message` and returns at once; `sender`, if given, is the receiver's `ctx.sender`. */
  tell(message: M, sender?: AnyRef): void {
    this.router.deliver(this.address, message, sender);
  }

  /**
   * Request-reply. `make` builds the message around a reply ref; the promise settles with the
   * first reply, or rejects with AskTimeout after `timeoutMs` (mandatory: an ask without a
   * deadline is a leak waiting for a lost message).
   */
  ask<R>(make: (replyTo: ActorRef<R>) => M, timeoutMs: number): Promise<R> {
    return this.router.ask<R>(this.address, make as (replyTo: ActorRef<R>) => unknown, timeoutMs);
  }

  /** True when both refs name the same actor (same node, thread and path). */
  equals(other: AnyRef | undefined): boolean {
    return other !== undefined && sameAddress(this.address, other.address);
  }

  /** The address as text (see `formatAddress`). */
  toString(): string {
    return formatAddress(this.address);
  }
}

/** A ref whose message type is not known here: it can be compared and watched, not told. */
export type AnyRef = ActorRef<never>;

/** True when two addresses name the same actor. */
export function sameAddress(a: Address, b: Address): boolean {
  return a.path === b.path && a.thread === b.thread && a.node === b.node;
}

export function addressKey(a: Address): string {
  return `${a.node}|${a.thread}|${a.path}`;
}
