/**
 * A command whose member was lost after it was sent (OutcomeUnknown, from the shard region):
 * the gateway hands it to the caller at once, never retrying it (it may have been applied), and
 * the HTTP layer answers 503 with a problem saying the outcome is unknown, when a retry is safe,
 * and Retry-After. Refusals (nothing applied) are still retried, a step of at most 200 ms apart.
 */
import t from 'tap';
import { unavailable, type ActorRef } from '../../src/actors/index.ts';
import { OutcomeUnknown, type ShardRegion } from '../../src/cluster/index.ts';
import { command, HttpProblem } from '../../src/http/problem.ts';
import { CommandGateway } from '../../src/app/gateway.ts';

/** A region that answers each ask with the next of `answers` (an Error is thrown). */
function region(answers: unknown[]) {
  const calls: number[] = [];
  const r = {
    ask<R>(_path: string, make: (replyTo: ActorRef<R>) => unknown): Promise<R> {
      calls.push(performance.now());
      make({} as ActorRef<R>);
      const next = answers.shift();
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as R);
    },
  };
  return { region: r as unknown as ShardRegion, calls };
}

const set = { _tag: 'SetAirportMinimumGroundTime', iata: 'AAA', minimumGroundTimeMin: 30 } as const;

t.test('the gateway never retries an unknown outcome', async (t) => {
  const { region: r, calls } = region([new OutcomeUnknown('airports/AAA', '127.0.0.1:2552#x', 'downed'), { _tag: 'Accepted', events: [] }]);
  const gateway = new CommandGateway(r);
  const error = await gateway.airport('AAA', set).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.equal((error as { _tag?: string })._tag, 'OutcomeUnknown', 'the caller gets it');
  t.equal(calls.length, 1, 'sent once');
});

t.test('refusals (not applied) are retried, at most 200 ms apart', async (t) => {
  const refused = () => unavailable('airports/AAA', 'its home is unreachable');
  const { region: r, calls } = region([refused(), refused(), refused(), refused(), refused(), { _tag: 'Accepted', events: [] }]);
  const reply = await new CommandGateway(r).airport('AAA', set);
  t.same(reply, { _tag: 'Accepted', events: [] }, 'answered once the shard took it');
  const gaps = calls.slice(1).map((at, i) => at - (calls[i] as number));
  t.equal(calls.length, 6);
  t.ok(
    gaps.every((g) => g < 290),
    `gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms (50, 100, 200, 200, 200)`,
  );
});

t.test('HTTP: an unknown outcome is a 503 that says so, when a retry is safe, and when to retry', async (t) => {
  const error = await command(() => Promise.reject(new OutcomeUnknown('rotations/R1', '127.0.0.1:2553#y', 'gone'))).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof HttpProblem, 'a problem');
  const p = error as HttpProblem;
  t.equal(p.problem.status, 503);
  t.equal(p.problem.title, 'Service Unavailable');
  t.equal(p.problem.type, 'https://aloft.dev/problems/outcome-unknown');
  t.match(p.problem.detail, /outcome is unknown/);
  t.match(p.problem.detail, /may or may not have been applied/);
  t.match(p.problem.detail, /rotations\/R1/, 'names the entity');
  t.match(p.problem.detail, /127\.0\.0\.1:2553#y/, 'names the member');
  t.match(p.problem.detail, /idempotent/, 'says when a retry is safe');
  t.equal(p.problem.retriable, true);
  t.equal(p.problem.outcome, 'unknown');
  t.equal(p.problem.retryAfter, 0, 'its process is gone: its entity moves now, and the front holds a retry until it has');
  t.same(p.headers, { 'retry-after': '0' }, 'Retry-After');
  const paused = await command(() => Promise.reject(new OutcomeUnknown('rotations/R1', '127.0.0.1:2553#y', 'unreachable'))).catch(
    (e: unknown) => e as HttpProblem,
  );
  t.equal(paused.problem.status, 503);
  t.same(paused.headers, { 'retry-after': '1' }, 'only unreachable: its entity stays until it is downed; retry later');
  t.match(paused.problem.detail, /became unreachable/);

  const notApplied = await command(() => Promise.reject(unavailable('rotations/R1', 'moving'))).catch((e: unknown) => e as HttpProblem);
  t.equal(notApplied.problem.type, 'https://aloft.dev/problems/entity-unavailable', 'a refusal is still "not applied"');
  t.match(notApplied.problem.detail, /was not applied/);
});
