/**
 * The node-wide registry: find an actor by a typed name from any thread of the node.
 *
 * Thread 0 is the authority: it decides registrations (first come, one actor per name) and
 * broadcasts each change to every thread, which keeps a replica so that `lookup` is a local,
 * synchronous map read. An entry disappears when its actor stops (the host thread reports it) or
 * when its thread dies. The cluster issue extends the same contract across nodes.
 */
import { ActorError } from './errors.ts';
import { sameAddress, type ActorRef, type AnyRef } from './ref.ts';
import type { SystemMessage } from './envelope.ts';

/**
 * What the registry needs from its thread's runtime. The ActorSystem implements it; declared here
 * so that this module does not depend on the system it serves.
 */
export interface RegistryHost {
  readonly thread: number;
  /** Every thread of the node this one has a link to, itself included. */
  readonly threads: readonly number[];
  askSystem<R>(thread: number, make: (replyTo: ActorRef<R>) => SystemMessage, timeoutMs: number): Promise<R>;
  sendSystem(thread: number, message: SystemMessage): void;
  logLine(level: 'debug' | 'info' | 'warn' | 'error', line: string): void;
}

/** A typed name: `lookup(key)` gives back a ref of the right message type. */
export interface ServiceKey<M> {
  readonly name: string;
  /** Phantom field carrying the message type; never set. */
  readonly _message?: (m: M) => void;
}

/** A typed registry name, e.g. `serviceKey<OrderMsg>('orders')`. */
export function serviceKey<M>(name: string): ServiceKey<M> {
  return { name };
}

const AUTHORITY = 0;

/** A thread's view of the node-wide registry: `system.registry`. */
export class Registry {
  private readonly names = new Map<string, AnyRef>();

  constructor(private readonly system: RegistryHost) {}

  /** Registers `ref` under `key`; rejects with NameTaken if another actor holds the name. */
  async register<M>(key: ServiceKey<M>, ref: ActorRef<M>, timeoutMs = 5_000): Promise<void> {
    const anyRef = ref as unknown as AnyRef;
    if (this.system.thread === AUTHORITY) return this.decide(key.name, anyRef);
    const reply = await this.system.askSystem<{ ok: boolean; holder?: string }>(
      AUTHORITY,
      (replyTo) => ({ _tag: '$RegisterRequest', name: key.name, ref: anyRef, replyTo: replyTo as unknown as AnyRef }),
      timeoutMs,
    );
    if (!reply.ok) throw nameTaken(key.name, reply.holder ?? 'another actor');
    // The authority broadcast the entry before replying; on the same link it arrived first.
  }

  /** The actor registered under `key` on this node, if any: a local read of this thread's replica. */
  lookup<M>(key: ServiceKey<M>): ActorRef<M> | undefined {
    return this.names.get(key.name) as ActorRef<M> | undefined;
  }

  /** Names registered on this node, as this thread's replica knows them. */
  get size(): number {
    return this.names.size;
  }

  private decide(name: string, ref: AnyRef): void {
    const holder = this.names.get(name);
    if (holder && !sameAddress(holder.address, ref.address)) throw nameTaken(name, holder.toString());
    this.names.set(name, ref);
    this.broadcast({ _tag: '$RegistryAdd', name, ref });
  }

  private broadcast(message: SystemMessage): void {
    for (const t of this.system.threads) if (t !== this.system.thread) this.system.sendSystem(t, message);
  }

  /** @internal Called by the system when a local actor stops. */
  actorStopped(ref: AnyRef): void {
    for (const [name, holder] of this.names) {
      if (!sameAddress(holder.address, ref.address)) continue;
      if (this.system.thread === AUTHORITY) this.remove(name, ref);
      else this.system.sendSystem(AUTHORITY, { _tag: '$RegistryRemove', name, ref });
    }
  }

  /** @internal Called when a thread of this node dies. */
  threadDown(thread: number): void {
    for (const [name, holder] of [...this.names]) {
      if (holder.address.thread !== thread) continue;
      if (this.system.thread === AUTHORITY) this.remove(name, holder);
      else this.names.delete(name);
    }
  }

  /** @internal The authority sends a new thread everything it has. */
  syncTo(thread: number): void {
    this.system.sendSystem(thread, { _tag: '$RegistrySync', entries: [...this.names] });
  }

  private remove(name: string, ref: AnyRef): void {
    const holder = this.names.get(name);
    if (!holder || !sameAddress(holder.address, ref.address)) return;
    this.names.delete(name);
    this.broadcast({ _tag: '$RegistryRemove', name, ref });
  }

  /** @internal */
  handle(message: SystemMessage, _sender?: AnyRef): void {
    switch (message._tag) {
      case '$RegisterRequest': {
        let reply: { ok: boolean; holder?: string };
        try {
          this.decide(message.name, message.ref);
          reply = { ok: true };
        } catch (error) {
          reply = { ok: false, holder: (error as ActorError).target };
        }
        (message.replyTo as unknown as ActorRef<unknown>).tell(reply);
        return;
      }
      case '$RegistryAdd':
        this.names.set(message.name, message.ref);
        return;
      case '$RegistryRemove':
        if (this.system.thread === AUTHORITY) this.remove(message.name, message.ref);
        else if (this.names.get(message.name) && sameAddress((this.names.get(message.name) as AnyRef).address, message.ref.address))
          this.names.delete(message.name);
        return;
      case '$RegistrySync':
        this.names.clear();
        for (const [name, ref] of message.entries) this.names.set(name, ref);
        return;
      default:
        this.system.logLine('warn', `unexpected system message ${message._tag}`);
    }
  }
}

function nameTaken(name: string, holder: string): ActorError {
  return new ActorError('NameTaken', holder, `the name "${name}" is already registered to ${holder}`, false);
}
