// The planner page's entry point: loads the schedule from the feed and the violations from the
// checks, then follows the WebSocket; wires the chart, the filters, the violation list, the forms
// and the cluster panel. `window.aloft` exposes a few read-only hooks for the browser tests.

import { Model, CHECKS, CHECK_LABEL, explain, designator } from './model.js';
import { Chart } from './chart.js';
import { api, allViolations } from './api.js';
import { LiveSocket } from './live.js';
import { wireForms } from './forms.js';
import { wireCluster } from './cluster.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const model = new Model();
const chart = new Chart($('scroller'), $('spacer'), /** @type {HTMLCanvasElement} */ ($('chart')), model);
const state = { check: 'all', ready: false, connected: false, rowsVersion: -1, listVersion: -1 };
const hooks = {
  ready: false,
  connected: false,
  /** Times the WebSocket was lost. */
  disconnects: 0,
  legCount: () => model.legCount,
  rotationCount: () => model.rotations.size,
  rowCount: () => chart.rows.length,
  violationCount: () => model.violationCount(),
  violatedLegs: () => [...model.byLeg.keys()],
  visibleRows: () => chart.rows.map((r) => r.id),
  lastFrameMs: () => chart.lastFrameMs,
  selected: () => chart.selected,
  registrationOf: (rotationId) => model.rotations.get(rotationId)?.registration ?? null,
  offset: () => model.next - 1,
  scrollTo: (rotationId, legId) => chart.scrollTo(rotationId, legId),
  /** Frame deltas recorded by `measureScroll` (ms). */
  measureScroll,
  /** Drops the WebSocket the way a lost network would (the page must notice and reconnect). */
  dropConnection: () => socket.ws?.close(),
};
window.aloft = hooks;

// ---- loading and following --------------------------------------------------------------

let feedLoading = null;
/** Reads the feed from the model's offset to its head (coalesced: one reader at a time). */
function readFeed() {
  feedLoading ??= (async () => {
    try {
      for (;;) {
        const page = await api('GET', `/api/feed?from=${model.next}&limit=50000`);
        model.apply(page.events);
        if (page.events.length === 0 || page.next > page.head) break;
      }
    } finally {
      feedLoading = null;
    }
  })();
  return feedLoading;
}

/** Violations to refresh: whole checks, or only some rotations'; processed one batch at a time. */
const refresh = { full: false, rotations: new Set(), offset: 0, running: false };

function scheduleRefresh(full, rotations, offset) {
  refresh.full ||= full;
  for (const r of rotations) refresh.rotations.add(r);
  refresh.offset = Math.max(refresh.offset, offset);
  if (!refresh.running) void runRefresh();
}

async function runRefresh() {
  refresh.running = true;
  try {
    while (refresh.full || refresh.rotations.size > 0) {
      const full = refresh.full || refresh.rotations.size > 25;
      const rotations = [...refresh.rotations];
      const minOffset = refresh.offset;
      refresh.full = false;
      refresh.rotations.clear();
      await readFeed();
      if (full) {
        const lists = await Promise.all(CHECKS.map((c) => allViolations(c, { minOffset })));
        CHECKS.forEach((c, i) => model.setViolations(c, lists[i]));
      } else {
        for (const rotation of rotations) {
          const lists = await Promise.all(CHECKS.map((c) => allViolations(c, { rotation, minOffset })));
          CHECKS.forEach((c, i) => model.setRotationViolations(c, rotation, lists[i]));
        }
      }
      redraw();
    }
  } catch (error) {
    console.error('refresh', error);
    // Try again on the next message or reconnect; the model keeps what it had.
  } finally {
    refresh.running = false;
  }
}

function onLive(msg) {
  if (msg.type === 'violations') {
    const rotations = msg.rotationIds ?? (msg.rotationId ? [msg.rotationId] : []);
    scheduleRefresh((msg.airports ?? []).length > 0, rotations, msg.offset ?? 0);
  } else if (msg.type === 'import') forms.importProgress(msg.status);
}

function onConnection(up) {
  if (state.connected && !up) hooks.disconnects++;
  state.connected = up;
  hooks.connected = up;
  const el = $('connection');
  el.textContent = up ? 'live' : 'disconnected — reconnecting…';
  el.className = `conn ${up ? 'on' : 'off'}`;
}

// ---- derived views: rows, violation list, selection -------------------------------------

function filters() {
  const f = /** @type {HTMLFormElement} */ ($('filters'));
  const val = (n) => /** @type {HTMLInputElement} */ (f.elements.namedItem(n)).value.trim();
  const from = val('from') ? Date.parse(`${val('from')}T00:00:00Z`) : NaN;
  const to = val('to') ? Date.parse(`${val('to')}T00:00:00Z`) + 86_400_000 : NaN;
  return { from, to, rotation: val('rotation').toUpperCase(), airplane: val('airplane').toUpperCase(), violations: /** @type {HTMLInputElement} */ ($('f-violations')).checked };
}

function rebuildRows() {
  const f = filters();
  const rows = [];
  for (const r of model.rotations.values()) {
    if (f.rotation && !r.id.toUpperCase().includes(f.rotation)) continue;
    if (f.airplane && !(r.registration ?? '').toUpperCase().includes(f.airplane)) continue;
    if (f.violations && !model.rotationHasViolation(r.id)) continue;
    if (!Number.isNaN(f.from) && !r.legs.some((l) => l.arrivalUtc >= f.from)) continue;
    if (!Number.isNaN(f.to) && !r.legs.some((l) => l.departureUtc < f.to)) continue;
    rows.push(r);
  }
  // The thesis's staircase: rotations ordered by their first departure.
  rows.sort((a, b) => (a.legs[0]?.departureUtc ?? Infinity) - (b.legs[0]?.departureUtc ?? Infinity) || (a.id < b.id ? -1 : 1));
  const hasLegs = model.minTime <= model.maxTime;
  const t0 = !Number.isNaN(f.from) ? f.from : hasLegs ? startOfDay(model.minTime) : startOfDay(Date.now());
  const t1 = !Number.isNaN(f.to) ? f.to : hasLegs ? startOfDay(model.maxTime) + 86_400_000 : t0 + 7 * 86_400_000;
  chart.setRows(rows, t0, t1);
}

const startOfDay = (t) => Math.floor(t / 86_400_000) * 86_400_000;

function rebuildList() {
  const tabs = $('violation-tabs');
  tabs.replaceChildren();
  const counts = CHECKS.map((c) => model.violations.get(c).size);
  const mk = (key, label) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.setAttribute('aria-pressed', String(state.check === key));
    b.dataset.check = key;
    b.onclick = () => {
      state.check = key;
      rebuildList();
    };
    tabs.append(b);
  };
  mk('all', `All (${counts.reduce((a, b) => a + b, 0)})`);
  CHECKS.forEach((c, i) => mk(c, `${CHECK_LABEL[c]} (${counts[i]})`));
  const list = $('violation-list');
  const items = [];
  for (const c of CHECKS) if (state.check === 'all' || state.check === c) for (const v of model.violations.get(c).values()) items.push(v);
  // A long list is cut: the counts above stay exact, and the filters narrow the rest.
  const shown = items.slice(0, 500);
  list.replaceChildren(
    ...shown.map((v) => {
      const li = document.createElement('li');
      li.dataset.key = v.key;
      li.dataset.rotation = v.rotationIds[0] ?? '';
      li.textContent = `${v.rotationIds.join(', ')}: ${explain(v)}`;
      li.title = v.message ?? '';
      li.onclick = () => {
        for (const el of list.querySelectorAll('li.current')) el.classList.remove('current');
        li.classList.add('current');
        if (!chart.scrollTo(v.rotationIds[0], v.legIds[v.legIds.length - 1])) {
          // Hidden by a filter: clear the filters and try again.
          /** @type {HTMLFormElement} */ ($('filters')).reset();
          rebuildRows();
          chart.scrollTo(v.rotationIds[0], v.legIds[v.legIds.length - 1]);
        }
        showSelection();
      };
      return li;
    }),
  );
  if (items.length > shown.length) {
    const li = document.createElement('li');
    li.textContent = `… and ${items.length - shown.length} more (use the filters)`;
    list.append(li);
  }
}

function showSelection() {
  const sel = chart.selected;
  const box = $('selection');
  if (!sel) return void box.replaceChildren();
  const r = model.rotations.get(sel.rotationId);
  const leg = r?.legs.find((l) => l.id === sel.legId);
  if (!r || !leg) return void box.replaceChildren();
  const head = document.createElement('div');
  const fmt = (t) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const b = document.createElement('b');
  b.textContent = `${designator(leg)} ${leg.departureAirport}–${leg.arrivalAirport}`;
  head.append(b, ` ${fmt(leg.departureUtc)} → ${fmt(leg.arrivalUtc)} UTC · rotation ${r.id}${r.registration ? ` · ✈ ${r.registration}` : ''}${leg.aircraftType ? ` · type ${leg.aircraftType}` : ''} · leg ${leg.id}`);
  const vs = [...(model.byLeg.get(leg.id) ?? [])].map((v) => {
    const d = document.createElement('div');
    d.className = 'v';
    d.textContent = `${explain(v)}. ${v.message ?? ''}`;
    return d;
  });
  box.replaceChildren(head, ...vs);
}

function redraw() {
  if (state.rowsVersion !== model.version) {
    state.rowsVersion = model.version;
    rebuildRows();
    rebuildList();
    showSelection();
    updateDatalists();
  }
  chart.requestDraw();
  $('stats').textContent = `${model.rotations.size} rotations · ${model.legCount} legs · ${model.violationCount()} violations · offset ${model.next - 1}`;
}

let datalistVersion = -1;
function updateDatalists() {
  // Datalists of 10,000+ options slow the page down; offer them only for small schedules.
  if (datalistVersion === model.version || model.rotations.size > 5_000) return;
  datalistVersion = model.version;
  const opts = (ids) => ids.map((id) => Object.assign(document.createElement('option'), { value: id }));
  $('rotation-ids').replaceChildren(...opts([...model.rotations.keys()]));
  $('airplane-ids').replaceChildren(...opts([...model.airplanes.keys()]));
}

// ---- interaction ------------------------------------------------------------------------

$('scroller').addEventListener('click', (e) => {
  const rect = $('scroller').getBoundingClientRect();
  const hit = chart.hit(e.clientX - rect.left, e.clientY - rect.top);
  if (!hit) return;
  chart.selected = { rotationId: hit.rotation.id, legId: hit.leg?.id ?? '' };
  forms.select(hit.rotation.id, hit.leg?.id ?? null);
  showSelection();
  chart.requestDraw();
});
$('filters').addEventListener('input', () => {
  rebuildRows();
  rebuildList();
  // A filter changes which rows exist: start at the top, at the first shown rotation's first leg,
  // rather than at a scroll position that may now be past the end or in an empty stretch of time.
  const first = chart.rows[0];
  if (first) chart.scrollTo(first.id, first.legs[0]?.id ?? '');
  chart.selected = null;
  showSelection();
});
$('tab-schedule').onclick = () => switchTab(false);
$('tab-cluster').onclick = () => switchTab(true);
function switchTab(cluster) {
  $('schedule-view').hidden = cluster;
  $('cluster-view').hidden = !cluster;
  $('tab-schedule').setAttribute('aria-pressed', String(!cluster));
  $('tab-cluster').setAttribute('aria-pressed', String(cluster));
  clusterPanel.active(cluster);
  if (!cluster) chart.requestDraw();
}
if (location.hash === '#cluster') queueMicrotask(() => switchTab(true));

/**
 * Scrolls the chart by `dy` px per frame for `frames` frames and returns the
 * requestAnimationFrame deltas (ms): the frame-time figure of the issue.
 */
function measureScroll(frames = 300, dy = 40, dx = 25) {
  return new Promise((resolve) => {
    const s = $('scroller');
    const deltas = [];
    const draws = [];
    let last = performance.now();
    let n = 0;
    const step = (now) => {
      deltas.push(now - last);
      draws.push(chart.lastFrameMs);
      last = now;
      s.scrollTop += dy;
      s.scrollLeft += dx;
      if (++n < frames) requestAnimationFrame(step);
      else resolve({ deltas: deltas.slice(1), draws: draws.slice(1) });
    };
    requestAnimationFrame(step);
  });
}

const forms = wireForms({ onImportDone: () => scheduleRefresh(true, [], 0) });
const clusterPanel = wireCluster();

async function start() {
  // Read the feed only once subscribed (or after 3 s without a socket): a change landing between
  // the read and the subscription would otherwise be missed until the next one.
  await Promise.race([subscribedOnce, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  await readFeed();
  const lists = await Promise.all(CHECKS.map((c) => allViolations(c, { minOffset: model.next - 1 })));
  CHECKS.forEach((c, i) => model.setViolations(c, lists[i]));
  redraw();
  state.ready = true;
  hooks.ready = true;
}

let started = false;
let firstSubscription = () => {};
const subscribedOnce = new Promise((resolve) => (firstSubscription = resolve));
const socket = new LiveSocket(onLive, () => {
  // (Re)subscribed: anything published while away is lost, so catch up from the feed and checks.
  if (started) scheduleRefresh(true, [], 0);
  firstSubscription();
}, onConnection);
start()
  .then(() => {
    started = true;
  })
  .catch((error) => {
    $('stats').textContent = `could not load the schedule: ${error.message}`;
  });
