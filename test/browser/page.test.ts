/**
 * The planner page in headless Chromium against a real node: the SSIM upload draws its
 * rotations; a command from another client shows up live with its violation highlighted; an
 * overlapping leg entered in the form shows the refusal; the static files and their 404s; the
 * page notices a lost connection and reconnects by itself. Screenshots: .tap/browser-artifacts/.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, call, launch, openPage, screenshot, skipReason, startNode } from './browser.ts';

interface Hooks {
  ready: boolean;
  connected: boolean;
  legCount(): number;
  rowCount(): number;
  violationCount(): number;
  violatedLegs(): string[];
  selected(): { rotationId: string; legId: string } | null;
  registrationOf(rotationId: string): string | null;
  disconnects: number;
  dropConnection(): void;
}
declare const window: { aloft: Hooks };
// The DOM as far as the waits below use it (tsconfig has no DOM lib: the page is plain JS).
declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null;
};

const reason = skipReason();
// Skipped with the reason shown in the report, never passed silently.
if (reason) t.plan(0, `browser tests skipped: ${reason}`);
else {
  t.test('static files', async (t) => {
    const node = await startNode(t, 'static');
    for (const [file, type] of [
      ['/', 'text/html'],
      ['/index.html', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/app.css', 'text/css'],
      ['/chart.js', 'text/javascript'],
    ] as const) {
      const res = await fetch(node.url + file);
      t.equal(res.status, 200, `${file} served`);
      t.match(res.headers.get('content-type') ?? '', type, `${file} is ${type}`);
    }
    const missing = await fetch(`${node.url}/nope.js`);
    t.equal(missing.status, 404);
    t.match(missing.headers.get('content-type') ?? '', 'application/problem+json');
    t.equal((await fetch(`${node.url}/healthz`)).status, 200, 'the API keeps its routes');
    const panel = await fetch(`${node.url}/api/cluster/panel`);
    t.equal(panel.status, 404, 'no cluster: the panel route says so');
  });

  t.test('the planner page', async (t) => {
    const node = await startNode(t, 'page');
    const browser = await launch(t);
    const page = await openPage(t, browser, node.url);
    await page.waitForFunction(() => window.aloft?.ready === true && window.aloft.connected);

    // 0. A file with a broken record is refused whole, with its per-line problems listed.
    const lines = readFileSync(path.join(CORPUS, 'sample.ssim'), 'latin1').split(/\r?\n/);
    const bad = lines.findIndex((l) => l.startsWith('3'));
    lines[bad] = `${(lines[bad] as string).slice(0, 13)}XXXXXXX${(lines[bad] as string).slice(20)}`; // a period that is no date
    await page.setInputFiles('#i-ssim', { name: 'broken.ssim', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n'), 'latin1') });
    await page.click('#import button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#i-progress')?.getAttribute('data-state') === 'rejected', null, {
      timeout: 30_000,
    });
    t.match(await page.textContent('#i-problems'), new RegExp(`line ${bad + 1}[:,] `), 'the problem names its line');
    await screenshot(page, '0-import-problems');

    // 1. The SSIM upload, with progress fed by the WebSocket, draws the rotations. The file names
    //    two onward flights it does not have (lines 31 and 203): problems, so "apply valid legs".
    await page.setInputFiles('#i-ssim', path.join(CORPUS, 'sample.ssim'));
    await page.selectOption('#i-onerror', 'valid-only');
    await page.click('#import button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#i-progress')?.getAttribute('data-state') === 'done', null, {
      timeout: 60_000,
    });
    await page.waitForFunction(
      () => window.aloft.legCount() === 3070 && window.aloft.rowCount() === 1669 && window.aloft.violationCount() > 0,
      null,
      { timeout: 30_000 },
    );
    t.equal(await page.evaluate(() => window.aloft.rowCount()), 1669, 'every rotation of the file is a row');
    t.match(await page.textContent('#i-status'), /imported 4739 of 4739 commands/);
    t.equal(
      await page.evaluate(() => (document.querySelector('#i-progress') as unknown as { value: number }).value),
      1,
      'the progress bar is full',
    );
    await screenshot(page, '1-imported');

    // 2. Another client creates a rotation with a too-short turnaround at FRA: it appears live,
    //    with its ground-time violation highlighted and explained.
    t.equal((await call(`${node.url}/api/airports`, 'POST', { code: 'FRA', minGroundTimeMinutes: 60 })).status, 201);
    t.equal((await call(`${node.url}/api/rotations`, 'POST', { name: 'LIVE1' })).status, 201);
    const leg = (n: number, from: string, to: string, dep: string, arr: string) => ({
      carrier: 'LH',
      flightNumber: n,
      dateOfOrigin: '2005-06-01',
      departureAirport: from,
      arrivalAirport: to,
      departure: `2005-06-01T${dep}:00Z`,
      arrival: `2005-06-01T${arr}:00Z`,
    });
    const first = await call(`${node.url}/api/rotations/LIVE1/legs`, 'POST', leg(900, 'MUC', 'FRA', '08:00', '09:00'));
    const second = await call(`${node.url}/api/rotations/LIVE1/legs`, 'POST', leg(901, 'FRA', 'JFK', '09:20', '17:00'));
    t.equal(second.status, 201);
    const legIds = [first.json.legId as string, second.json.legId as string];
    // The violations (from the view's live topic) and the legs (from the feed) arrive on two
    // channels: wait for both, in either order.
    await page.waitForFunction(
      (ids) => ids.every((id) => window.aloft.violatedLegs().includes(id)) && window.aloft.legCount() >= 3072,
      legIds,
      { timeout: 20_000 },
    );
    t.equal(await page.evaluate(() => window.aloft.legCount()), 3072, 'the new legs were drawn without a reload');
    const item = page.locator('#violation-list li[data-rotation="LIVE1"]');
    await item.click();
    t.same(await page.evaluate(() => window.aloft.selected()?.rotationId), 'LIVE1', 'clicking the violation scrolls the chart to it');
    t.match(
      await page.textContent('#selection'),
      /Ground time at FRA: 20 min on the ground, 60 min required/,
      'the explanation: check, airport, actual and required',
    );
    t.match(await page.textContent('#violation-tabs'), /Ground time \(1\)/, 'counted per check');
    await screenshot(page, '2-live-violation');

    // 3. An overlapping leg entered in the form is refused, with the reason beside the form.
    await page.fill('#l-rotation', 'LIVE1');
    await page.fill('#l-carrier', 'LH');
    await page.fill('#l-number', '902');
    await page.fill('#l-date', '2005-06-01');
    await page.fill('#l-dep', 'JFK');
    await page.fill('#l-arr', 'FRA');
    await page.fill('#l-departure', '2005-06-01T16:00');
    await page.fill('#l-arrival', '2005-06-01T23:00');
    await page.click('#add-leg button[type=submit]');
    await page.waitForFunction(() => (document.querySelector('#l-error')?.textContent ?? '').startsWith('Refused'));
    t.match(await page.textContent('#l-error'), /Refused: .*overlap/i, 'the refusal and its reason');
    t.equal(await page.evaluate(() => window.aloft.legCount()), 3072, 'nothing was added');
    await screenshot(page, '3-overlap-refused');

    // 4. An airplane created and assigned through the forms shows beside its rotation; the
    //    violations filter keeps only rotations with violations.
    await page.click('summary:has-text("Airplanes")');
    await page.fill('#a-reg', 'D-ALFT');
    await page.fill('#a-type', '320');
    await page.fill('#a-mgt', '30');
    await page.click('#create-airplane button[type=submit]');
    await page.waitForFunction(() => (document.querySelector('#a-error')?.textContent ?? '').startsWith('Created'));
    await page.fill('#as-reg', 'D-ALFT');
    await page.fill('#as-rotation', 'LIVE1');
    await page.click('#assign button[type=submit]');
    await page.waitForFunction(() => (document.querySelector('#as-error')?.textContent ?? '').startsWith('Assigned'));
    await page.waitForFunction(() => window.aloft.registrationOf('LIVE1') === 'D-ALFT');
    t.pass('the assignment was accepted and the airplane is shown beside its rotation');
    await page.check('#f-violations');
    const filtered = await page.evaluate(() => window.aloft.rowCount());
    t.ok(filtered > 0 && filtered < 1670, `only rotations with violations (${filtered})`);
    await screenshot(page, '4-assigned-and-filtered');
    await page.uncheck('#f-violations');
    t.equal(await page.evaluate(() => window.aloft.rowCount()), 1670, 'every rotation again');

    // 5. The connection drops: the page notices, reconnects by itself, and catches up with what
    //    happened while it was away.
    await page.evaluate(() => window.aloft.dropConnection());
    await call(`${node.url}/api/rotations/LIVE1/legs`, 'POST', leg(903, 'JFK', 'MUC', '20:00', '23:00'));
    await page.waitForFunction(() => window.aloft.disconnects === 1 && window.aloft.connected, null, { timeout: 20_000 });
    await page.waitForFunction(() => window.aloft.legCount() === 3073, null, { timeout: 20_000 });
    t.match(await page.textContent('#connection'), /live/, 'reconnected by itself');
  });
}
