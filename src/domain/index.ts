/**
 * The flight-scheduling domain, pure: model, deciders, the assignment saga, the checks, and
 * SSIM import. Nothing here imports a framework or another folder of ours.
 */
export * from './decision.ts';
export * from './leg.ts';
export * from './schedule.ts';
export * from './schedule-projection.ts';
export * from './checks.ts';
export * from './schema.ts';
export * from './assignment-saga.ts';
export {
  rotationDecider,
  findOverlap,
  type Claim,
  type RotationState,
  type RotationCommand,
  type RotationEvent,
  type RotationError,
  type RotationDecision,
} from './rotation.ts';
export {
  airplaneDecider,
  groundTimeProblem,
  type Assignment,
  type AirplaneState,
  type AirplaneCommand,
  type AirplaneEvent,
  type AirplaneError,
  type AirplaneDecision,
} from './airplane.ts';
export { airportDecider, type Airport, type AirportState, type AirportCommand, type AirportEvent, type AirportError } from './airport.ts';
export {
  createSsimParser,
  parseSsim,
  parseSsimText,
  type SsimLeg,
  type SsimParseOptions,
  type SsimParseResult,
  type SsimParser,
  type SsimProgress,
} from './ssim/parser.ts';
export type { SsimProblem } from './ssim/problem.ts';
export type { OnwardFlight } from './ssim/leg-record.ts';
export {
  deriveRotations,
  deriveRotationsWithProblems,
  parseRotationCsv,
  formatRotationCsv,
  ROTATION_CSV_HEADER,
  type DerivedRotations,
  type OnwardProblem,
  type RotationAssignment,
} from './ssim/rotations.ts';
export { planImport, importCommands, type ImportOptions, type ImportPlan, type ImportProblem } from './ssim/import-plan.ts';
export { LEG as SSIM_LEG_COLUMNS, CARRIER as SSIM_CARRIER_COLUMNS, type Field as SsimField } from './ssim/layout.ts';
