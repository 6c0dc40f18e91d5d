/**
 * The Bolt server goes away under the Memgraph schedule view while a projection feeds it from a
 * journal that a writer keeps appending to, and comes back (same port, same data): once with a
 * graceful stop, once killed (SIGKILL, a crash: the server recovers from its transaction log).
 *
 * The projection is the plain loop every view follower runs: read the view's stored offset,
 * read the journal from offset + 1, apply. While the server is away every apply and every query
 * must fail with the view's retriable ViewUnavailable (never another error, never a crash of the
 * loop); afterwards the projection must resume from the offset stored in the database (not from
 * 0), and the final view must equal a rebuild: the embedded view fed the same journal from offset
 * 0, and the oracle.
 *
 * A fault test: it stops the shared Bolt server started by `npm run backends -- up`, so it runs in
 * the serial phase after the main suite, never beside other tests using MEMGRAPH_URL.
 */
import t from 'tap';
import { startServer, stopServer } from '../../ops/backends/control.ts';
import { memoryJournal, type EventEnvelope } from '../../src/persistence/index.ts';
import { isViewError } from '../../src/views/errors.ts';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { liveEnv } from '../fixtures/live.ts';
import { appendFeed } from '../views/fixtures/journal-feed.ts';
import { canonical, oracle, oracleSchedule, viewAnswers } from '../views/fixtures/oracle.ts';
import { seasonFeed } from '../views/fixtures/season-feed.ts';

async function until(cond: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const url = liveEnv(t, 'MEMGRAPH_URL', 'Bolt server stopped and restarted under the Memgraph view projection');
if (url) {
  const { MemgraphScheduleView } = await import('../../src/views/memgraph-view.ts');
  const user = process.env.MEMGRAPH_USER;
  const password = process.env.MEMGRAPH_PASSWORD;
  const auth = { ...(user ? { user } : {}), ...(password ? { password } : {}) };

  t.test(
    'the projection resumes from its stored offset after a stop and after a kill, and equals a rebuild',
    { timeout: 300_000 },
    async (t) => {
      const w = seasonFeed({
        season: { airplanes: 12, airports: 10, days: 8, seed: 11, violations: { continuity: 0.05, groundTime: 0.05, duplicates: 0.05 } },
        edits: 400,
        seed: 12,
      });
      const feed: readonly EventEnvelope[] = w.feed;
      const journal = await memoryJournal();
      // A short driver retry, so an outage surfaces as ViewUnavailable within a second or so.
      const view = await MemgraphScheduleView.open({ url, reset: true, retryMs: 1_000, ...auth });
      t.comment(`dialect ${view.dialect}, ${feed.length} events`);

      // The writer: the journal grows while the projection follows it, slowly enough (16 events/s,
      // ~40 s) that it is still writing during the outages.
      let written = 0;
      const writer = (async () => {
        for (let i = 0; i < feed.length; i += 8) {
          await appendFeed(journal, feed.slice(i, i + 8));
          written = Math.min(feed.length, i + 8);
          await sleep(500);
        }
      })();

      // The projection: stored offset -> journal -> apply, retrying what is retriable.
      const errors: { what: string; tag: string; retriable: boolean; message: string }[] = [];
      const record = (what: string, e: unknown) => {
        errors.push(
          isViewError(e)
            ? { what, tag: e._tag, retriable: e.retriable, message: e.message }
            : { what, tag: e instanceof Error ? e.name : typeof e, retriable: false, message: e instanceof Error ? e.message : String(e) },
        );
      };
      let acked = 0; // highest offset an apply returned
      let outage = false;
      const resumedFrom: number[] = []; // the first `from` read after each outage
      let wantResume = false;
      let stop = false;
      const projection = (async () => {
        while (!stop) {
          try {
            const from = (await view.offset()) + 1;
            if (wantResume) {
              resumedFrom.push(from);
              wantResume = false;
            }
            const batch = await journal.read(from, 64);
            if (batch.length === 0) {
              if (written === feed.length && from > feed.length) return;
              await sleep(20);
              continue;
            }
            const r = await view.apply(batch);
            acked = Math.max(acked, r.offset);
          } catch (e) {
            record('apply', e);
            if (!isViewError(e) || !e.retriable) throw e;
            await sleep(200);
          }
        }
      })();
      // Queries all along: answered, or refused with ViewUnavailable while the server is away.
      let answered = 0;
      let refusedDuringOutage = 0;
      const queries = (async () => {
        while (!stop) {
          try {
            await view.continuity({ limit: 10 });
            answered++;
          } catch (e) {
            record('query', e);
            if (outage) refusedDuringOutage++;
          }
          await sleep(100);
        }
      })();

      for (const [round, kill] of [
        [1, false],
        [2, true],
      ] as const) {
        await until(() => acked >= (feed.length * round) / 3, `the projection past ${Math.round((feed.length * round) / 3)}`, 120_000);
        const before = errors.length;
        const ackedAtStop = acked;
        outage = true;
        const t0 = Date.now();
        await stopServer('bolt', { kill });
        // While it is down: the loop keeps trying, and each try fails as ViewUnavailable.
        await until(
          () => errors.slice(before).filter((e) => e.what === 'apply').length >= 2 && errors.slice(before).some((e) => e.what === 'query'),
          'applies and queries refused',
          60_000,
        );
        const ackedBeforeStart = acked; // nothing is acknowledged while the server is down
        t.comment(`round ${round}: ${written} of ${feed.length} events written so far`);
        if (round === 1) t.ok(written < feed.length, 'the writer is still writing during the first outage');
        wantResume = true;
        await startServer('bolt', { progress: (l) => t.comment(l) });
        outage = false;
        await until(() => resumedFrom.length === round, 'the projection to read its offset again', 60_000);
        const from = resumedFrom[round - 1] ?? 0;
        t.comment(
          `round ${round} (${kill ? 'SIGKILL' : 'graceful stop'}): stopped with ${ackedAtStop} acknowledged, ${ackedBeforeStart} when it went down, resumed from ${from} after ${Date.now() - t0} ms, ${errors.length - before} refusals`,
        );
        // Every acknowledged apply survived (even the kill); one whose commit raced the outage may
        // have committed without its reply reaching us, so `from` may be past acked + 1.
        t.ok(
          from >= ackedBeforeStart + 1,
          `round ${round}: resumed from the stored offset ${from - 1} (>= ${ackedBeforeStart} acknowledged), not from 0`,
        );
      }

      await writer;
      await projection;
      stop = true;
      await queries;

      // What the server and the driver said while away (for the reader of the log).
      for (const m of new Set(errors.map((e) => `${e.what}: ${e.message.replace(/\s+/g, ' ').slice(0, 160)}`))) t.comment(m);
      const bad = errors.filter((e) => e.tag !== 'ViewUnavailable' || !e.retriable);
      t.same(bad, [], 'every failure was a retriable ViewUnavailable');
      t.ok(errors.length >= 6, `failures were seen while it was down (${errors.length})`);
      t.ok(refusedDuringOutage > 0, 'queries were refused during the outages');
      t.ok(answered > 0, `queries answered (${answered})`);

      t.equal(await view.offset(), feed.length, 'the view reached the head of the journal');
      const counters = await view.counters();
      t.equal(counters.applied, feed.length, 'each event applied exactly once');
      t.equal(counters.gaps, 0, 'no gap');
      t.comment(`counters ${JSON.stringify(counters)}`);

      // The rebuild: the embedded view fed the same journal from offset 0.
      const rebuilt = new MemoryScheduleView();
      for (let from = 1; ; ) {
        const batch = await journal.read(from, 512);
        if (batch.length === 0) break;
        await rebuilt.apply(batch);
        from = (batch[batch.length - 1] as EventEnvelope).offset + 1;
      }
      const answers = await viewAnswers(view);
      t.equal(canonical(answers), canonical(await viewAnswers(rebuilt)), 'equal to the embedded view rebuilt from offset 0');
      t.equal(canonical(answers), canonical(oracle(feed)), 'equal to the oracle');
      const schedule = oracleSchedule(feed);
      let rotationsEqual = 0;
      for (const r of schedule.rotations)
        if (canonical(await view.rotation(r.rotationId)) === canonical(await rebuilt.rotation(r.rotationId))) rotationsEqual++;
      t.equal(rotationsEqual, schedule.rotations.length, 'every rotation (legs in order, airplane) equals the rebuild');
      let airplanesEqual = 0;
      for (const a of schedule.airplanes)
        if (canonical(await view.airplane(a.registration)) === canonical(await rebuilt.airplane(a.registration))) airplanesEqual++;
      t.equal(airplanesEqual, schedule.airplanes.length, 'every airplane equals the rebuild');
      await view.close();
      await journal.close();
    },
  );
}
