/**
 * The planner page on the demo season (300 airplanes, ~181,000 legs) in headless Chromium at
 * 1280x800: it draws its first chart from one window of the server and never reads the feed;
 * a violation picked in the list far outside the loaded window ends up on screen; the airplane
 * view shows the unassigned rotations in their own group, and an assignment made from the page
 * (and a refused one) shows there; a leg added through the API appears live in the open window
 * without the page asking for it; the chart's controls work from the keyboard and are readable.
 * Timings are reported (t.comment), not asserted. Screenshots: .tap/browser-artifacts/planner-*.png.
 *
 * ALOFT_PLANNER_SCALE=10 runs the same on ten times the season (3,000 airplanes, ~1.8 M legs:
 * src/domain/season seasonOfSize): its events, decided by the real deciders, are written to the node's
 * journal first (as the scale benchmark's read phase does; a few minutes), and the node starts
 * on it. The screenshots are then named planner-x10-*.png.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startService, type Service } from '../../src/service/service.ts';
import { lmdbJournal } from '../../src/persistence/index.ts';
import { domainUpcasters } from '../../src/service/schema.ts';
import { seasonOfSize } from '../../src/domain/season/season.ts';
import { ARTIFACTS, call, launch, screenshot, skipReason } from '../browser/browser.ts';
import { seasonFeed } from '../views/fixtures/season-feed.ts';
import { appendFeed } from '../views/fixtures/journal-feed.ts';

interface Row {
  index: number;
  kind: string;
  id: string;
  rotationId: string | null;
  registration: string | null;
  legs: string[];
}
interface Hooks {
  ready: boolean;
  connected: boolean;
  firstChartMs: number | null;
  windowFetches(): number;
  legCount(): number;
  rowCount(): number | Promise<number>;
  loadedRows(): Row[];
  selected(): { rotationId: string; legId: string } | null;
  onScreen(rotationId: string, legId: string): boolean;
  view(): { by: string; zoom: string; r0: number; r1: number; t0: number; t1: number; total: number; airplaneRows: number };
  scrollToRow(i: number): void;
  rowPoint(i: number, t?: number): { x: number; y: number };
}
// The page as far as the waits below use it (tsconfig has no DOM lib: the page is plain JS).
declare const window: { aloft: Hooks };
declare const document: {
  querySelector(
    s: string,
  ): { textContent: string | null; getAttribute(n: string): string | null; getBoundingClientRect(): { height: number } } | null;
  querySelectorAll(s: string): ArrayLike<unknown>;
  activeElement: { id: string } | null;
  documentElement: { scrollWidth: number };
};
declare function getComputedStyle(e: unknown): { color: string; backgroundColor: string };

const reason = skipReason();
const scale = Number(process.env.ALOFT_PLANNER_SCALE ?? '1');
const shot = (page: Page, name: string) => screenshot(page, scale === 1 ? `planner-${name}` : `planner-x${scale}-${name}`);
if (reason) t.plan(0, `browser tests skipped: ${reason}`);
else {
  t.setTimeout(scale === 1 ? 600_000 : 3_600_000);
  let service: Service;
  let base: string;
  let seasonLegs = 181_267;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-planner-'));

  t.before(async () => {
    const started = performance.now();
    if (scale === 1) {
      let loaded: () => void = () => undefined;
      const seasonLoaded = new Promise<void>((resolve) => (loaded = resolve));
      service = await startService(
        { host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: true, durability: 'commit' },
        (line) => {
          if (line.startsWith('demo season: loaded')) loaded();
        },
      );
      await seasonLoaded;
    } else {
      const world = seasonFeed({ season: seasonOfSize(scale) });
      seasonLegs = world.feed.reduce((n, e) => n + (e.type === 'LegAdded' ? 1 : 0), 0);
      const journal = await lmdbJournal({ path: path.join(dir, 'journal'), durability: 'commit', upcasters: domainUpcasters() });
      await appendFeed(journal, world.feed, 512);
      await journal.close();
      service = await startService(
        { host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: false, durability: 'commit' },
        () => undefined,
      );
      await service.views.ready;
    }
    base = `http://127.0.0.1:${service.port}`;
    // The views have applied the whole season (a window answer waits for the head's offset).
    const head = await service.journal.headOffset();
    const r = await fetch(`${base}/api/window?limit=1&minOffset=${head}&timeoutMs=30000`);
    if (r.status !== 200) throw new Error(`the view did not catch up: ${r.status}`);
    t.comment(
      `${scale === 1 ? 'demo season' : `${scale} times the demo season`} loaded and applied in ${((performance.now() - started) / 1000).toFixed(1)} s (${head} events)`,
    );
  });
  t.teardown(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Where a leg must be: one hour from `t`, for `hours`. */
  const legAt = (n: number, from: string, to: string, dep: number, hours: number) => ({
    carrier: 'ZZ',
    flightNumber: n,
    dateOfOrigin: new Date(dep).toISOString().slice(0, 10),
    departureAirport: from,
    arrivalAirport: to,
    departure: new Date(dep).toISOString(),
    arrival: new Date(dep + hours * 3_600_000).toISOString(),
  });
  const HOUR = 3_600_000;

  t.test('the planner page on the demo season', async (t) => {
    const browser = await launch(t);
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => t.fail(`uncaught error in the page: ${error.message}`));
    const urls: string[] = [];
    let bytes = 0;
    page.on('request', (r) => urls.push(r.url()));
    page.on(
      'response',
      (r) =>
        void r.body().then(
          (b) => (bytes += b.length),
          () => undefined,
        ),
    );

    // 1. First chart: one window, never the feed.
    const opened = performance.now();
    await page.goto(base);
    await page.waitForFunction(() => window.aloft?.firstChartMs != null, null, { polling: 'raf' });
    const wall = performance.now() - opened;
    const pageClock = await page.evaluate(() => window.aloft.firstChartMs as number);
    t.comment(
      `time to first chart: ${wall.toFixed(0)} ms from page.goto (${pageClock.toFixed(0)} ms after navigation start, by the page's clock)`,
    );
    await page.waitForFunction(() => window.aloft.ready && window.aloft.connected);
    t.comment(`bytes received by then: ${(bytes / 1024).toFixed(0)} KiB in ${urls.length} requests`);
    const first = await page.evaluate(() => window.aloft.loadedRows());
    t.ok(first.length >= 20 && first.length <= 100, `one window of rows loaded (${first.length} of ${300 * scale})`);
    t.ok(
      first.every((r) => r.legs.length > 0 && r.legs.length < 200),
      'each with the legs of a few days only',
    );
    t.equal(await page.evaluate(() => window.aloft.legCount()), seasonLegs, 'the counts are the whole season');
    await shot(page, '1-rotations');

    // 2. A violation far outside the loaded window: picked in the list, it is on screen after.
    const loaded = new Set(first.map((r) => r.rotationId));
    const view = await page.evaluate(() => window.aloft.view());
    const items = page.locator('#violation-list li');
    const count = await items.count();
    t.ok(count > 100, `the list shows the first pages of the checks (${count})`);
    // The latest one listed whose rotation is not loaded: well after the loaded window's end (a
    // week after what is on screen) on the demo season; its first pages reach further on one season.
    let pick = -1;
    let when = 0;
    for (let i = count - 1; i >= 0 && pick < 0; i--) {
      const rotation = await items.nth(i).getAttribute('data-rotation');
      when = Date.parse(`${((await items.nth(i).locator('time').textContent()) ?? '').replace(' UTC', '').replace(' ', 'T')}:00Z`);
      if (rotation && !loaded.has(rotation) && when > view.t1 + 8 * 86_400_000) pick = i;
    }
    t.ok(pick >= 0, `a violation of a rotation not loaded, ${((when - view.t1) / 86_400_000).toFixed(0)} days after what is on screen`);
    const item = items.nth(pick);
    const rotation = (await item.getAttribute('data-rotation')) as string;
    const fetchesBefore = await page.evaluate(() => window.aloft.windowFetches());
    const clicked = performance.now();
    await item.scrollIntoViewIfNeeded();
    await item.click();
    const selected = await page.evaluate(() => window.aloft.selected());
    if (selected === null) throw new Error('nothing selected after the click');
    t.equal(selected.rotationId, rotation, 'the chart selects its leg at once');
    await page.waitForFunction((s) => window.aloft.onScreen(s.rotationId, s.legId), selected, { polling: 'raf' });
    t.comment(
      `time to a scrolled-to violation: ${(performance.now() - clicked).toFixed(0)} ms from the click until its leg is drawn on screen`,
    );
    t.ok(await page.evaluate((s) => window.aloft.onScreen(s.rotationId, s.legId), selected), 'the violating leg is on screen');
    t.equal(await page.evaluate(() => window.aloft.view().zoom), 'day', 'zoomed to a day around it');
    t.ok((await page.evaluate(() => window.aloft.windowFetches())) - fetchesBefore <= 2, 'one window (centred on it) was asked for');
    t.match(await page.textContent('#selection'), /Continuity|Ground time|Designators|Equipment/, 'the box explains the violation');
    // The reason on hover: the leg's tooltip names its violation.
    // (It is centred: the middle of its row.)
    const point = await page.evaluate((s) => {
      const row = window.aloft.loadedRows().find((r) => r.rotationId === s.rotationId) as Row;
      const v = window.aloft.view();
      return window.aloft.rowPoint(row.index, (v.t0 + v.t1) / 2);
    }, selected);
    await page.mouse.move(point.x, point.y);
    await page
      .waitForFunction(() => document.querySelector('#tooltip')?.getAttribute('hidden') === null, null, { timeout: 5_000 })
      .catch(() => undefined);
    t.match(await page.textContent('#tooltip'), /UTC/, 'hovering a leg shows it');
    await shot(page, '2-violation-in-sight');

    // 3. The airplane view, by registration, with a new rotation nobody flies in its own group.
    await page.click('#zoom-week');
    await page.selectOption('#f-sort', 'id');
    await page.click('#by-airplane');
    await page.waitForFunction(() => window.aloft.view().by === 'airplane' && window.aloft.loadedRows()[0]?.kind === 'airplane');
    const season = await page.evaluate(() => window.aloft.view());
    const t0 = season.t0 + 2 * HOUR;
    t.equal((await call(`${base}/api/rotations`, 'POST', { name: 'PLAN-NEW' })).status, 201);
    t.equal((await call(`${base}/api/rotations/PLAN-NEW/legs`, 'POST', legAt(1, 'ZZA', 'ZZB', t0, 2))).status, 201);
    t.equal((await call(`${base}/api/rotations/PLAN-NEW/legs`, 'POST', legAt(2, 'ZZB', 'ZZA', t0 + 4 * HOUR, 2))).status, 201);
    await page.waitForFunction((n) => window.aloft.view().total === n, 300 * scale + 1);
    const split = await page.evaluate(() => window.aloft.view().airplaneRows);
    t.equal(split, 300 * scale, 'the unassigned group starts after the airplanes');
    await page.evaluate((i) => window.aloft.scrollToRow(i), split);
    await page.waitForFunction(
      (i) => window.aloft.loadedRows().some((r) => r.index === i && r.id === 'PLAN-NEW' && r.kind === 'unassigned'),
      split,
    );
    await shot(page, '3-airplanes-unassigned');

    // Assign it from the page: click the last airplane, then the unassigned rotation, then Assign.
    const plane = (await page.evaluate((i) => window.aloft.loadedRows().find((r) => r.index === i), split - 1)) as Row;
    const replaced = plane.rotationId as string;
    for (const i of [split - 1, split]) {
      const p = await page.evaluate((j) => window.aloft.rowPoint(j), i);
      await page.mouse.click(p.x, p.y);
    }
    t.equal(await page.inputValue('#as-reg'), plane.id, 'clicking the airplane row fills the airplane');
    t.equal(await page.inputValue('#as-rotation'), 'PLAN-NEW', 'clicking the unassigned row fills the rotation');
    await page.click('#assign button[type=submit]');
    // (On a busy machine the saga may outlive the request: the page then says so and follows it.)
    await page.waitForFunction(() => /^(Assigned|Refused)/.test(document.querySelector('#as-error')?.textContent ?? ''), null, {
      timeout: 60_000,
    });
    const outcome = (await page.textContent('#as-error')) ?? '';
    t.match(outcome, /^Assigned/, `the saga's outcome: ${outcome}`);
    if (!outcome.includes('interruption')) t.match(outcome, `replacing ${replaced}`, 'naming the rotation it replaced');
    await page.waitForFunction(
      ([reg, old]) => {
        const rows = window.aloft.loadedRows();
        return (
          rows.some((r) => r.id === reg && r.rotationId === 'PLAN-NEW' && r.legs.length === 2) &&
          rows.some((r) => r.kind === 'unassigned' && r.id === old)
        );
      },
      [plane.id, replaced] as [string, string],
    );
    t.pass(`${plane.id} flies PLAN-NEW now; ${replaced} went to the unassigned group`);
    await shot(page, '4-airplanes-assigned');

    // A refused assignment shows why: PLAN-NEW is taken.
    const other = (await page.evaluate((i) => window.aloft.loadedRows().find((r) => r.index === i), split - 2)) as Row;
    await page.fill('#as-reg', other.id);
    await page.fill('#as-rotation', 'PLAN-NEW');
    await page.click('#assign button[type=submit]');
    await page.waitForFunction(() => /^Refused/.test(document.querySelector('#as-error')?.textContent ?? ''), null, { timeout: 60_000 });
    t.match(await page.textContent('#as-error'), /^Refused: .*PLAN-NEW/, 'refused, with the reason');

    // 4. A leg added through the API appears live in the open window, without the page asking.
    const fetches = await page.evaluate(() => window.aloft.windowFetches());
    const added = await call(`${base}/api/rotations/PLAN-NEW/legs`, 'POST', legAt(3, 'ZZA', 'ZZC', t0 + 8 * HOUR, 1));
    t.equal(added.status, 201);
    const legId = added.json.legId as string;
    const sent = performance.now();
    await page.waitForFunction(([reg, id]) => window.aloft.loadedRows().some((r) => r.id === reg && r.legs.includes(id)), [
      plane.id,
      legId,
    ] as [string, string]);
    t.comment(`a leg added through the API was drawn ${(performance.now() - sent).toFixed(0)} ms later`);
    t.equal(await page.evaluate(() => window.aloft.windowFetches()), fetches, 'it came over the WebSocket: no window was fetched for it');
    t.ok(await page.evaluate((id) => window.aloft.onScreen('PLAN-NEW', id), legId), 'and is on screen');

    // 5. Keyboard and contrast, at 1280x800.
    await page.focus('#zoom-week');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    t.equal(await page.evaluate(() => window.aloft.view().zoom), 'month', 'Tab to Month, Enter: zoomed to a month');
    await page.focus('#scroller');
    await page.keyboard.press('d');
    t.equal(await page.evaluate(() => window.aloft.view().zoom), 'day', 'd on the chart: a day');
    const top = await page.evaluate(() => window.aloft.view().r0);
    await page.keyboard.press('PageUp');
    await page.keyboard.press('ArrowUp');
    t.ok((await page.evaluate(() => window.aloft.view().r0)) < top, 'Page Up and the arrows scroll');
    await page.keyboard.press('Enter');
    t.ok(await page.evaluate(() => window.aloft.selected() !== null), 'Enter selects the leg in the middle');
    const contrast = await page.evaluate(() => {
      const rgb = (s: string) => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: number[]) => {
        const [r, g, b] = c.map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        }) as [number, number, number];
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ratio = (a: number[], b: number[]) => {
        const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
        return (l1 + 0.05) / (l2 + 0.05);
      };
      const out: Array<[string, number]> = [];
      for (const el of Array.from(
        document.querySelectorAll('#toolbar button, #violation-tabs button, #filters select, #filters input') as ArrayLike<{
          id: string;
          textContent: string | null;
        }>,
      )) {
        const s = getComputedStyle(el);
        const bg = rgb(s.backgroundColor);
        out.push([
          el.id || (el.textContent ?? ''),
          ratio(rgb(s.color), bg.length === 3 && !/rgba\(0, 0, 0, 0\)/.test(s.backgroundColor) ? bg : [255, 255, 255]),
        ]);
      }
      for (const c of ['#2f5f8a', '#c62828', '#a14a00', '#6d28d9', '#0f6b63'])
        out.push([
          `white on ${c}`,
          ratio(
            [255, 255, 255],
            [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)),
          ),
        ]);
      return out;
    });
    const weak = contrast.filter(([, r]) => r < 4.5);
    t.same(
      weak,
      [],
      `every control and leg colour has a contrast of at least 4.5:1 (lowest ${Math.min(...contrast.map(([, r]) => r)).toFixed(1)}:1)`,
    );
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1280), 'nothing overflows 1280 px');
    t.ok(
      await page.evaluate(() => (document.querySelector('#toolbar')?.getBoundingClientRect().height ?? 99) < 80),
      'the toolbar fits on two lines at most',
    );

    t.same(
      urls.filter((u) => u.includes('/api/feed')),
      [],
      'the page never asked for the feed',
    );
    t.comment(`in all: ${(bytes / 1024).toFixed(0)} KiB in ${urls.length} requests; screenshots in ${ARTIFACTS}`);
  });
}
