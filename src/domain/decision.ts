/**
 * The result of a decider: the events a command produced, or the typed error that refused it.
 *
 * Plain data on purpose: a decision may be sent back to a caller on another thread or node, so it
 * carries a `_tag`, never a class instance or a thrown exception.
 */
export type Decision<Event, Error> =
  | { readonly _tag: 'Accepted'; readonly events: readonly Event[] }
  | { readonly _tag: 'Rejected'; readonly error: Error };

export function accept<Event>(...events: Event[]): Decision<Event, never> {
  return { _tag: 'Accepted', events };
}

export function reject<Error>(error: Error): Decision<never, Error> {
  return { _tag: 'Rejected', error };
}

/** Emmett's decider: the whole behaviour of an aggregate as three pure values. */
export interface Decider<Command, Event, State, Error> {
  readonly decide: (command: Command, state: State) => Decision<Event, Error>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}

/** Folds a history into a state; what a runtime does when it recovers an aggregate. */
export function replay<Event, State>(
  decider: Pick<Decider<never, Event, State, never>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
