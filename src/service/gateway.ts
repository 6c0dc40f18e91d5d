/**
 * The write side's front door on the main thread: routes a command to its entity (in the worker
 * chosen by a stable hash of the entity id) and returns the entity's reply. The HTTP layer and
 * the importer call it; it holds no business rules.
 */
import type { ActorRef, AloftNode, CommandReply } from '../actors/index.ts';
import type {
  AirplaneCommand,
  AirplaneError,
  AirplaneEvent,
  AirplaneState,
  AirportCommand,
  AirportError,
  AirportEvent,
  AirportState,
  RotationCommand,
  RotationError,
  RotationEvent,
  RotationState,
} from '../domain/index.ts';
import { HOSTS, type AggregateKind, type AirplaneMsg, type AirportMsg, type RotationMsg } from './entities.ts';

export type RotationReply = CommandReply<RotationEvent, RotationError>;
export type AirplaneReply = CommandReply<AirplaneEvent, AirplaneError>;
export type AirportReply = CommandReply<AirportEvent, AirportError>;

/** FNV-1a, 32 bits: the id -> worker mapping. Changing it moves every entity to another worker. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class CommandGateway {
  private readonly workers: number[];

  constructor(
    private readonly node: AloftNode,
    private readonly timeoutMs = 10_000,
  ) {
    this.workers = node.threads.filter((t) => t > 0);
  }

  private ref<M>(kind: AggregateKind, id: string): ActorRef<M> {
    const thread = this.workers.length === 0 ? 0 : (this.workers[hashId(id) % this.workers.length] as number);
    return this.node.refAt<M>(thread, `${HOSTS[kind]}/${id}`);
  }

  rotation(id: string, command: RotationCommand): Promise<RotationReply> {
    return this.ref<RotationMsg>('rotation', id).ask<RotationReply>((replyTo) => ({ _tag: 'Command', command, replyTo }), this.timeoutMs);
  }

  airplane(registration: string, command: AirplaneCommand): Promise<AirplaneReply> {
    return this.ref<AirplaneMsg>('airplane', registration).ask<AirplaneReply>((replyTo) => ({ _tag: 'Command', command, replyTo }), this.timeoutMs);
  }

  airport(iata: string, command: AirportCommand): Promise<AirportReply> {
    return this.ref<AirportMsg>('airport', iata).ask<AirportReply>((replyTo) => ({ _tag: 'Command', command, replyTo }), this.timeoutMs);
  }

  rotationState(id: string): Promise<{ state: RotationState; seq: number }> {
    return this.ref<RotationMsg>('rotation', id).ask((replyTo) => ({ _tag: 'GetState', replyTo }), this.timeoutMs);
  }

  airplaneState(registration: string): Promise<{ state: AirplaneState; seq: number }> {
    return this.ref<AirplaneMsg>('airplane', registration).ask((replyTo) => ({ _tag: 'GetState', replyTo }), this.timeoutMs);
  }

  airportState(iata: string): Promise<{ state: AirportState; seq: number }> {
    return this.ref<AirportMsg>('airport', iata).ask((replyTo) => ({ _tag: 'GetState', replyTo }), this.timeoutMs);
  }
}
