/**
 * Violations as the views answer them: the domain's check results plus the ids of the legs
 * involved. Apart from contract.ts because the planner's window (window.ts) carries them too, and
 * the contract in turn carries the window's query and answer.
 */
import type { ContinuityViolation, DuplicateDesignatorViolation, EquipmentViolation, GroundTimeViolation } from '../domain/index.ts';

export type WithLegIds<V> = V & { readonly legIds: readonly string[] };
export type ViewContinuity = WithLegIds<ContinuityViolation>;
export type ViewGroundTime = WithLegIds<GroundTimeViolation>;
export type ViewDesignator = WithLegIds<DuplicateDesignatorViolation>;
export type ViewEquipment = WithLegIds<EquipmentViolation>;
