/**
 * Answers serialised to JSON from cached fragments. Violations and legs are immutable objects that
 * live as long as the view holds them, and a page or a rotation is mostly a list of them; so each
 * is stringified once (a WeakMap keeps its JSON while the object lives) and an answer is the join
 * of its fragments. Under live updates this turns a 50-100 KB JSON.stringify per query into a
 * string concatenation, which is what lets a replica serve thousands of queries/s.
 * The output is exactly `JSON.stringify(answer)`: a test holds it to that.
 */
import type { Leg, ScheduleRotation } from '../domain/index.ts';
import type { AnswerOf, Page, ViewQuery } from './contract.ts';

const fragments = new WeakMap<object, string>();

function fragment(o: object): string {
  let s = fragments.get(o);
  if (s === undefined) fragments.set(o, (s = JSON.stringify(o)));
  return s;
}

function pageJson(p: Page<object>): string {
  return `{"violations":[${p.violations.map(fragment).join(',')}],"total":${p.total},"offset":${p.offset},"next":${JSON.stringify(p.next)}}`;
}

export function rotationJson(r: ScheduleRotation): string {
  return `{"rotationId":${JSON.stringify(r.rotationId)},"legs":[${r.legs.map((l: Leg) => fragment(l)).join(',')}],"registration":${JSON.stringify(r.registration)}}`;
}

export function answerJson<Q extends ViewQuery>(q: Q, answer: AnswerOf[Q['_tag']]): string {
  switch (q._tag) {
    case 'Continuity':
    case 'GroundTime':
    case 'Designators':
      return pageJson(answer as Page<object>);
    case 'Rotation':
      return answer === null ? 'null' : rotationJson(answer as ScheduleRotation);
    case 'Airplane':
      return JSON.stringify(answer);
  }
}
