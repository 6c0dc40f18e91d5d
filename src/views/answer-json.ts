/**
 * Answers serialised to JSON from cached fragments. Violations and legs are immutable objects that
 * live as long as the view holds them, and a page or a rotation is mostly a list of them; so each
 * is stringified once (a WeakMap keeps its JSON while the object lives) and an answer is the join
 * of its fragments. Under live updates this turns a 50-100 KB JSON.stringify per query into a
 * string concatenation, which is what lets a replica serve thousands of queries/s.
 * The output parses to exactly the answer (a test holds it to that); a page's keys come in the
 * order violations, total, next, offset, so the offset can be appended to a cached body.
 */
import type { Leg, ScheduleRotation } from '../domain/index.ts';
import type { AnswerOf, Page, ViewQuery } from './contract.ts';

const fragments = new WeakMap<object, string>();

function fragment(o: object): string {
  let s = fragments.get(o);
  if (s === undefined) fragments.set(o, (s = JSON.stringify(o)));
  return s;
}

/** A page without its closing `"offset":n}`: the part that does not move with every event. */
export function pageJsonBody(p: Page<object>): string {
  return `{"violations":[${p.violations.map(fragment).join(',')}],"total":${p.total},"next":${JSON.stringify(p.next)},`;
}

export function withOffset(body: string, offset: number): string {
  return `${body}"offset":${offset}}`;
}

function pageJson(p: Page<object>): string {
  return withOffset(pageJsonBody(p), p.offset);
}

export function rotationJson(r: ScheduleRotation): string {
  return `{"rotationId":${JSON.stringify(r.rotationId)},"legs":[${r.legs.map((l: Leg) => fragment(l)).join(',')}],"registration":${JSON.stringify(r.registration)}}`;
}

export function answerJson<Q extends ViewQuery>(q: Q, answer: AnswerOf[Q['_tag']]): string {
  switch (q._tag) {
    case 'Continuity':
    case 'GroundTime':
    case 'Designators':
    case 'Equipment':
      return pageJson(answer as Page<object>);
    case 'Rotation':
      return answer === null ? 'null' : rotationJson(answer as ScheduleRotation);
    case 'Airplane':
    case 'Window':
      return JSON.stringify(answer);
  }
}
