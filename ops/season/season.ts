/**
 * The season generator moved to src/domain/season/season.ts (the product's --demo-season runs
 * it). This re-export remains only for the importers that were being edited when it moved
 * (test/page/planner.test.ts, ops/bench/_scale-node.ts); import from src/domain/season instead.
 */
export * from '../../src/domain/season/season.ts';
