/**
 * From a parsed SSIM file (and optionally a rotation file) to the rotations to create.
 *
 * The caller chooses what an import with problems does: `reject` refuses it whole, `valid-only`
 * applies only the legs that are sound and lists every one it skipped. Either way every problem
 * is in the answer: there is no silent partial load. A leg is skipped when its record was bad
 * (it never became a leg), when the rotation file names it twice or not at all, or when it would
 * overlap an earlier leg of its rotation (the Rotation aggregate would refuse it). Without a
 * rotation file, an onward flight the file names but that cannot be followed (missing, ambiguous,
 * already continuing another leg) is a problem too; the leg itself is kept and ends its rotation.
 */
import { compareLegs, formatDesignator, iso, type Leg } from '../leg.ts';
import type { RotationCommand } from '../rotation.ts';
import type { ScheduleRotation } from '../schedule.ts';
import type { SsimLeg, SsimParseResult } from './parser.ts';
import { problem, type SsimProblem } from './problem.ts';
import { deriveRotationsWithProblems, parseRotationCsv, type OnwardProblem, type RotationAssignment } from './rotations.ts';

export type ImportProblem =
  | SsimProblem
  | OnwardProblem
  | { readonly _tag: 'LegNotInRotationFile'; readonly legId: string; readonly line: number; readonly message: string }
  | {
      readonly _tag: 'LegOverlapsInRotation';
      readonly rotationId: string;
      readonly legId: string;
      readonly conflictsWith: string;
      readonly message: string;
    };

export interface ImportOptions {
  readonly onError: 'reject' | 'valid-only';
  /** The rotation assignment file; without it rotations come from the onward-flight fields. */
  readonly rotationCsv?: string;
}

export type ImportPlan =
  | {
      readonly _tag: 'ImportRejected';
      readonly problems: readonly ImportProblem[];
      readonly problemCount: number;
      readonly message: string;
    }
  | {
      readonly _tag: 'ImportReady';
      readonly rotations: readonly ScheduleRotation[];
      readonly legCount: number;
      readonly skipped: readonly ImportProblem[];
      readonly problemCount: number;
    };

export function planImport(parsed: SsimParseResult, options: ImportOptions): ImportPlan {
  const problems: ImportProblem[] = [...parsed.problems];
  let problemCount = parsed.problemCount;
  const index = new Map<string, number>();
  for (const [i, l] of parsed.legs.entries()) index.set(l.leg.id, i);
  const placed = new Uint8Array(parsed.legs.length);

  let assignments: RotationAssignment[];
  if (options.rotationCsv === undefined) {
    const derived = deriveRotationsWithProblems(parsed.legs);
    problems.push(...derived.problems);
    problemCount += derived.problems.length;
    assignments = derived.assignments;
  } else {
    const csv = parseRotationCsv(options.rotationCsv);
    problems.push(...csv.problems);
    problemCount += csv.problems.length;
    assignments = csv.assignments;
  }

  const rotations: ScheduleRotation[] = [];
  let legCount = 0;
  const add = (p: ImportProblem) => {
    problems.push(p);
    problemCount++;
  };
  for (const a of assignments) {
    const chosen: Leg[] = [];
    a.legIds.forEach((id, i) => {
      const line = a.lines?.[i] ?? 0;
      const at = index.get(id);
      if (at === undefined) add(problem(line, 1, 'leg', `a leg of the SSIM file`, id));
      else if (placed[at] === 1) add(problem(line, 1, 'leg', `a leg not already in a rotation`, id));
      else {
        placed[at] = 1;
        chosen.push((parsed.legs[at] as SsimLeg).leg);
      }
    });
    chosen.sort(compareLegs);
    const kept: Leg[] = [];
    for (const leg of chosen) {
      // Kept legs are sorted by departure and disjoint, so the last one also arrives last.
      const latest = kept[kept.length - 1];
      if (latest && latest.arrivalUtc > leg.departureUtc) {
        add({
          _tag: 'LegOverlapsInRotation',
          rotationId: a.rotationId,
          legId: leg.id,
          conflictsWith: latest.id,
          message: `rotation ${a.rotationId}: leg ${formatDesignator(leg)} departing ${iso(leg.departureUtc)} overlaps ${formatDesignator(latest)} arriving ${iso(latest.arrivalUtc)}`,
        });
      } else kept.push(leg);
    }
    if (kept.length > 0) rotations.push({ rotationId: a.rotationId, legs: kept, registration: null });
    legCount += kept.length;
  }
  parsed.legs.forEach(({ leg, line }, i) => {
    if (placed[i] === 0)
      add({
        _tag: 'LegNotInRotationFile',
        legId: leg.id,
        line,
        message: `leg ${leg.id} (SSIM line ${line}) is in no rotation of the rotation file`,
      });
  });

  if (problemCount > 0 && options.onError === 'reject') {
    return {
      _tag: 'ImportRejected',
      problems,
      problemCount,
      message: `import rejected: ${problemCount} problem(s), first: ${problems[0]?.message ?? ''}`,
    };
  }
  return { _tag: 'ImportReady', rotations, legCount, skipped: problems, problemCount };
}

/** The commands that carry out a plan: create each rotation, then add its legs in order. */
export function importCommands(rotations: readonly ScheduleRotation[]): RotationCommand[] {
  const out: RotationCommand[] = [];
  for (const r of rotations) {
    out.push({ _tag: 'CreateRotation', rotationId: r.rotationId });
    for (const leg of r.legs) out.push({ _tag: 'AddLeg', rotationId: r.rotationId, leg });
  }
  return out;
}
