/**
 * The closed loop: N connections, each sending its next command as soon as the previous answer
 * arrives, for a fixed time after a short warm-up. Each connection runs a planner's sequence
 * (write.ts: create a rotation, add its legs, create an airplane, assign), so the mix is the
 * write workload's (with 10 legs: 1 rotation, 10 legs, 1 airplane, 1 assignment in 13).
 *
 * Run against Aloft and then against the bare server (bare.ts) with the same client, it gives
 * the two rates whose ratio says what share of the HTTP ceiling on this machine Aloft reaches.
 * No ramp and no idle planners: the rate is what the server sustains at that concurrency.
 */
import { connections } from './http.ts';
import { Recorder } from './report.ts';
import { planner } from './write.ts';

export interface ClosedOptions {
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly legsPerRotation: number;
  readonly timeoutMs: number;
  readonly runId: string;
  readonly registration: () => string;
}

export async function closedLoop(origin: string, o: ClosedOptions): Promise<{ rec: Recorder; seconds: number }> {
  const conns = connections(origin, undefined);
  const rec = new Recorder();
  const recordFrom = performance.now() + o.warmupMs;
  const until = recordFrom + o.durationMs;
  const options = {
    planners: o.connections,
    rampEvery: o.connections,
    rampStepMs: 0,
    legsPerRotation: o.legsPerRotation,
    durationMs: o.warmupMs + o.durationMs,
    timeoutMs: o.timeoutMs,
    runId: o.runId,
    registration: o.registration,
    recordFrom,
  };
  try {
    await Promise.all(Array.from({ length: o.connections }, (_, i) => planner(conns.of(i), rec, options, i, until)));
  } finally {
    await conns.close();
  }
  // The commands in flight at `until` are recorded too: count the time they took.
  return { rec, seconds: (performance.now() - recordFrom) / 1000 };
}
