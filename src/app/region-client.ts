/**
 * Entity asks from a worker thread: a process entity (the assignment saga) reaches the
 * aggregates through its node's shard region on the main thread, which delivers here or forwards
 * to the owning member in one hop. The asker rides along as the sender, so a refusal (shard
 * moving, owner unreachable) fails the ask at once.
 */
import type { ActorRef, ActorSystem, AnyRef } from '../actors/index.ts';
import { REGION_PATH, type RegionMsg } from '../cluster/index.ts';
import type { AirplaneCommand, AirplaneState, RotationCommand } from '../domain/index.ts';
import type { SagaEffects } from './assignment.ts';
import { HOSTS, type AirplaneReply, type RotationReply } from './aggregates.ts';

export interface RegionClient {
  ask<R>(path: string, make: (replyTo: ActorRef<R>) => unknown, timeoutMs: number): Promise<R>;
  tell(path: string, message: unknown): void;
}

export function regionClient(system: ActorSystem): RegionClient {
  const region = { node: system.node, thread: 0, path: REGION_PATH };
  return {
    ask: <R>(path: string, make: (replyTo: ActorRef<R>) => unknown, timeoutMs: number) =>
      system.askVia<R>(path, timeoutMs, (replyTo) => {
        const m: RegionMsg = { _tag: 'Deliver', path, message: make(replyTo), hops: 0 };
        system.deliver(region, m, replyTo as AnyRef);
      }),
    tell: (path, message) => {
      const m: RegionMsg = { _tag: 'Deliver', path, message, hops: 0 };
      system.deliver(region, m, undefined);
    },
  };
}

export function sagaEffects(client: RegionClient, timeoutMs = 10_000): SagaEffects {
  return {
    rotation: (id: string, command: RotationCommand) =>
      client.ask<RotationReply>(`${HOSTS.rotation}/${id}`, (replyTo) => ({ _tag: 'Command', command, replyTo }), timeoutMs),
    airplane: (registration: string, command: AirplaneCommand) =>
      client.ask<AirplaneReply>(`${HOSTS.airplane}/${registration}`, (replyTo) => ({ _tag: 'Command', command, replyTo }), timeoutMs),
    airplaneState: (registration: string) =>
      client.ask<{ state: AirplaneState; seq: number }>(
        `${HOSTS.airplane}/${registration}`,
        (replyTo) => ({ _tag: 'GetState', replyTo }),
        timeoutMs,
      ),
    wake: (sagaId: string) => client.tell(`${HOSTS.assignment}/${sagaId}`, { _tag: 'Wake' }),
  };
}
