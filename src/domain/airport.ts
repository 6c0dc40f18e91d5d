/**
 * Airports, as the service needs them: an IATA code and a minimum ground time.
 *
 * An airport exists as soon as its minimum ground time is set; there is nothing else to plan
 * about it. Kept as a decider like the others so the service stores it the same way.
 */
import { accept, assertNever, reject, type Decider, type Decision } from './decision.ts';
import { groundTimeProblem } from './airplane.ts';
import { isAirportCode } from './leg.ts';

export interface Airport {
  readonly iata: string;
  readonly minimumGroundTimeMin: number;
}

export type AirportState = { readonly status: 'none' } | ({ readonly status: 'known' } & Airport);

export type AirportCommand = { readonly _tag: 'SetAirportMinimumGroundTime'; readonly iata: string; readonly minimumGroundTimeMin: number };

export type AirportEvent = {
  readonly _tag: 'AirportMinimumGroundTimeSet';
  readonly version: 1;
  readonly iata: string;
  readonly minimumGroundTimeMin: number;
};

export type AirportError = {
  readonly _tag: 'InvalidAirport';
  readonly iata: string;
  readonly problems: readonly string[];
  readonly message: string;
};

export function initialState(): AirportState {
  return { status: 'none' };
}

export function decide(command: AirportCommand, state: AirportState): Decision<AirportEvent, AirportError> {
  switch (command._tag) {
    case 'SetAirportMinimumGroundTime': {
      const { iata, minimumGroundTimeMin } = command;
      const problems: string[] = [];
      if (!isAirportCode(iata)) problems.push(`"${iata}" is not a 3-letter IATA airport code`);
      const mgt = groundTimeProblem(minimumGroundTimeMin);
      if (mgt) problems.push(mgt);
      if (problems.length > 0)
        return reject({ _tag: 'InvalidAirport', iata, problems, message: `airport ${iata}: ${problems.join('; ')}` });
      if (state.status === 'known' && state.minimumGroundTimeMin === minimumGroundTimeMin) return accept();
      return accept({ _tag: 'AirportMinimumGroundTimeSet', version: 1, iata, minimumGroundTimeMin });
    }
    default:
      return assertNever(command._tag);
  }
}

export function evolve(_state: AirportState, event: AirportEvent): AirportState {
  switch (event._tag) {
    case 'AirportMinimumGroundTimeSet':
      return { status: 'known', iata: event.iata, minimumGroundTimeMin: event.minimumGroundTimeMin };
    default:
      return assertNever(event._tag);
  }
}

export const airportDecider: Decider<AirportCommand, AirportEvent, AirportState, AirportError> = { decide, evolve, initialState };
