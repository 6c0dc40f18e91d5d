// The planner page's entry point. It loads only what the chart shows: the window of rows and
// times in view plus a margin (GET /api/window), again whenever scrolling or zooming leaves it,
// and follows that window over the WebSocket; the violation list reads the first page of each
// check. Wires the chart, the toolbar, the filters, the list, the forms and the cluster panel.
// `window.aloft` exposes read-only hooks for the browser tests.

import { Model, CHECKS, CHECK_COLOUR, CHECK_LABEL, LEG_COLOUR, explain, fmtTime, legsOf, rotationsOf, violationTime } from './model.js';
import { Chart, AXIS, DAY, GUTTER, ROW } from './chart.js';
import { fetchWindow } from './api.js';
import { LiveSocket } from './live.js';
import { wireForms } from './forms.js';
import { wireCluster } from './cluster.js';
import { ViolationList } from './violations.js';

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const HOUR = 3_600_000;
const model = new Model();
const state = {
  by: 'rotation',
  started: false,
  connected: false,
  extentKnown: false,
  firstChartMs: null,
  windowFetches: 0,
  subscription: 0,
  key: '',
};
/** The window request in flight, if any: { spec, key, controller, promise }. */
let inflight = null;

const chart = new Chart($('scroller'), $('spacer'), $('chart'), {
  total: () => model.summary.total,
  row: (i) => model.row(i, state.key),
  loaded: () => (model.window && model.window.key === state.key ? model.window : null),
  airplaneRows: () => model.summary.airplaneRows,
  by: () => state.by,
});
const list = new ViolationList({
  tabs: $('violation-tabs'),
  list: $('violation-list'),
  more: $('violation-more'),
  onPick: (v) => void focusViolation(v),
});

// ---- what to load --------------------------------------------------------------------------

function filters() {
  const val = (id) => $(id).value.trim();
  return {
    rotation: val('f-rotation'),
    airplane: val('f-airplane'),
    violations: $('f-violations').checked,
    check: $('f-check').value,
    sort: $('f-sort').value,
  };
}
const keyOf = () => JSON.stringify([state.by, filters()]);
state.key = keyOf();

/** Whether a window spec holds the visible rows and times. */
function covers(spec, v, total) {
  const end = total === undefined ? v.r1 : Math.min(v.r1, total);
  // The first load leaves the range to the server (the schedule's first days): it holds them.
  const times = spec.from === undefined || (spec.from <= v.t0 && spec.to >= v.t1);
  return spec.start <= v.r0 && spec.start + spec.limit >= end && times;
}

/** Legs an answer may hold (the server refuses more than 25,000): margins shrink to stay under it. */
const LEG_BUDGET = 15_000;

/** The window to ask for: the visible rows and times, and half as much again around them. */
function specFor(v) {
  const rows = v.r1 - v.r0;
  let margin = Math.max(6, Math.ceil(rows / 2));
  const span = v.t1 - v.t0;
  let around = Math.max(6 * HOUR, span / 2);
  // Legs per row and day, from the counts: zoomed far out, a wide margin would be too many legs.
  const c = model.summary.counts;
  const e = model.summary.extent;
  const perRowDay = c.rotations > 0 && e ? c.legs / c.rotations / Math.max(1, (e.to - e.from) / DAY) : 0;
  const legs = (m, a) => (rows + 2 * m) * ((span + 2 * a) / DAY) * perRowDay;
  if (legs(margin, around) > LEG_BUDGET)
    around = Math.max(0, Math.min(around, ((LEG_BUDGET / ((rows + 2 * margin) * perRowDay)) * DAY - span) / 2));
  if (legs(margin, around) > LEG_BUDGET) margin = 2;
  const from = Math.floor((v.t0 - around) / HOUR) * HOUR;
  const to = Math.min(Math.ceil((v.t1 + around) / HOUR) * HOUR, from + 400 * DAY);
  return { by: state.by, ...filters(), start: Math.max(0, v.r0 - margin), limit: Math.min(500, rows + 2 * margin), from, to };
}

/** Loads what the chart shows, unless the loaded window (or the one on its way) holds it. */
function ensure() {
  if (!state.started) return;
  const v = chart.visible();
  const total = model.summary.key === state.key ? model.summary.total : undefined;
  const w = model.window;
  if (w && w.key === state.key && covers(w.spec, v, total)) return;
  if (inflight && inflight.key === state.key && covers(inflight.spec, v, total)) return;
  void load(specFor(v));
}

/**
 * Fetches a window and makes it the loaded one; a newer request aborts an older one, so what is
 * on screen never waits behind what is not. `focus` names a row to centre the page of rows on.
 */
function load(spec, { minOffset = 0, focus, place } = {}) {
  inflight?.controller.abort();
  const controller = new AbortController();
  const req = { spec, key: state.key, controller, promise: null };
  inflight = req;
  state.windowFetches++;
  $('loading').textContent = 'loading…';
  req.promise = fetchWindow(focus === undefined ? spec : { ...spec, focus }, { minOffset, signal: controller.signal }).then(
    (answer) => {
      if (inflight !== req) return null;
      inflight = null;
      $('loading').textContent = '';
      const held = { ...spec, start: answer.start, from: answer.from, to: answer.to };
      model.setWindow(req.key, held, answer);
      setExtent(answer.extent);
      chart.resize();
      follow(held, answer.offset);
      place?.(answer);
      redraw();
      ensure(); // the view may have moved while this was on its way
      return answer;
    },
    (error) => {
      if (controller.signal.aborted) return null;
      if (inflight === req) inflight = null;
      $('loading').textContent = `could not load the chart: ${error.message}`;
      return null;
    },
  );
  return req.promise;
}

/** Subscribes the loaded window on the WebSocket, from the offset of its answer. */
function follow(spec, offset) {
  const window = {};
  for (const [k, v] of Object.entries(spec)) if (v !== '' && v !== false && v !== undefined) window[k] = v;
  state.subscription++;
  socket.subscribeWindow(`w${state.subscription}`, window, offset);
}

/** The chart's time axis: the whole schedule, from the day of its first departure. */
function setExtent(extent) {
  const t0 = extent ? Math.floor(extent.from / DAY) * DAY : Math.floor(Date.now() / DAY) * DAY;
  const t1 = extent ? Math.floor(extent.to / DAY) * DAY + DAY : t0 + 7 * DAY;
  chart.setExtent(t0, t1);
  if (!state.extentKnown && extent) {
    state.extentKnown = true;
    chart.scroller.scrollLeft = 0;
  }
}

/** A lighter read than a window: the counts, totals and total rows of the current filters. */
async function refreshSummary(minOffset) {
  const key = state.key;
  try {
    const s = await fetchWindow({ by: state.by, ...filters(), start: 0, limit: 1, from: 0, to: 1 }, { minOffset });
    if (key !== state.key) return;
    model.setSummary(key, s);
    chart.resize();
    redraw();
  } catch {
    // the next change tries again
  }
}

// ---- live ------------------------------------------------------------------------------------

let refreshTimer = null;
let refreshOffset = 0;
/** The violation list and the summary, after a change anywhere (coalesced). */
function scheduleRefresh(offset = 0) {
  refreshOffset = Math.max(refreshOffset, offset);
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    const at = refreshOffset;
    void list.refresh(at).catch(() => undefined);
    void refreshSummary(at);
  }, 150);
}

function onLive(msg) {
  if (msg.type === 'window') {
    if (msg.id !== `w${state.subscription}`) return; // for a window the page has left
    model.applyLive(msg);
    chart.resize();
    redraw();
  } else if (msg.type === 'violations') scheduleRefresh(msg.offset ?? 0);
  else if (msg.type === 'import') forms.importProgress(msg.status);
}

function onConnection(up) {
  if (state.connected && !up) hooks.disconnects++;
  state.connected = up;
  hooks.connected = up;
  const el = $('connection');
  el.textContent = up ? 'live' : 'disconnected — reconnecting…';
  el.className = `conn ${up ? 'on' : 'off'}`;
}

/** Everything again, after a reconnect or an import: what changed meanwhile was not announced. */
function reloadAll(minOffset = 0) {
  void load(specFor(chart.visible()), { minOffset });
  void list.refresh(minOffset).catch(() => undefined);
}

// ---- drawing and the panels ----------------------------------------------------------------

function redraw() {
  chart.requestDraw();
  const c = model.summary.counts;
  $('stats').textContent =
    `${c.rotations} rotations · ${c.airplanes} airplanes · ${c.legs} legs · ${model.violationTotal()} violations · offset ${model.summary.offset}`;
  showSelection();
}

chart.onDraw = () => {
  if (state.firstChartMs === null && model.window && model.window.key === state.key) {
    state.firstChartMs = performance.now();
    hooks.firstChartMs = state.firstChartMs;
  }
};
chart.onView = () => {
  hideTooltip();
  ensure();
};

/** The loaded row showing `rotationId`, with its index. */
function findRow(rotationId) {
  const w = model.window;
  if (!w || w.key !== state.key) return null;
  const i = w.rows.findIndex((r) => r.rotationId === rotationId);
  return i < 0 ? null : { index: w.start + i, row: w.rows[i] };
}

function violationBox(v) {
  const d = document.createElement('div');
  d.className = 'v';
  d.style.borderLeftColor = CHECK_COLOUR[v.check] ?? LEG_COLOUR;
  d.textContent = `${explain(v)}. ${v.message ?? ''}`;
  return d;
}

/** The box under the chart: the selected leg, its violations, and what can be done with it. */
function showSelection() {
  const box = $('selection');
  const sel = state.selection;
  if (!sel) return void box.replaceChildren();
  const found = findRow(sel.rotationId);
  const leg = found?.row.legs.find((l) => l.id === sel.legId);
  const head = document.createElement('div');
  const b = document.createElement('b');
  const parts = [];
  let violations = [];
  if (leg) {
    b.textContent = `${leg.flight} ${leg.from}–${leg.to}`;
    parts.push(`${fmtTime(leg.dep)} → ${fmtTime(leg.arr)} UTC`, `rotation ${sel.rotationId}`);
    if (found.row.registration) parts.push(`✈ ${found.row.registration}`);
    if (leg.type) parts.push(`type ${leg.type}`);
    parts.push(`leg ${leg.id}`);
    violations = found.row.byLeg?.get(leg.id) ?? [];
  } else if (sel.violation) {
    // Not loaded (yet): what the violation itself says of the leg.
    const l = legsOf(sel.violation).find((x) => x.id === sel.legId);
    b.textContent = l ? `${l.carrier} ${l.flightNumber}${l.suffix ?? ''} ${l.departureAirport}–${l.arrivalAirport}` : sel.legId;
    if (l) parts.push(`${fmtTime(l.departureUtc)} → ${fmtTime(l.arrivalUtc)} UTC`);
    parts.push(`rotation ${sel.rotationId}`, `leg ${sel.legId}`);
  } else if (found) {
    b.textContent = found.row.kind === 'airplane' ? `✈ ${found.row.id}` : `rotation ${sel.rotationId}`;
    parts.push(`${found.row.legCount} legs`, `${found.row.violationCount} violations`);
  } else return void box.replaceChildren();
  if (sel.violation && !violations.includes(sel.violation) && !violations.some((v) => v.message === sel.violation.message))
    violations = [sel.violation, ...violations];
  head.append(b, ` ${parts.join(' · ')}`);
  box.replaceChildren(head, ...violations.map(violationBox));
}

// Hover: the leg and the reasons it is at fault.
const tooltip = $('tooltip');
function hideTooltip() {
  tooltip.hidden = true;
}
$('scroller').addEventListener('mousemove', (e) => {
  const rect = $('scroller').getBoundingClientRect();
  const x = e.clientX - rect.left;
  const y = e.clientY - rect.top;
  const hit = chart.hit(x, y);
  if (!hit?.leg) return hideTooltip();
  const leg = hit.leg;
  const head = document.createElement('div');
  const b = document.createElement('b');
  b.textContent = `${leg.flight} ${leg.from}–${leg.to}`;
  head.append(b, ` ${fmtTime(leg.dep)} → ${fmtTime(leg.arr).slice(11)} UTC`);
  const reasons = (hit.row.byLeg?.get(leg.id) ?? []).map((v) => {
    const d = document.createElement('div');
    d.className = 'v';
    d.style.borderLeftColor = CHECK_COLOUR[v.check];
    d.textContent = explain(v);
    return d;
  });
  tooltip.replaceChildren(head, ...reasons);
  tooltip.hidden = false;
  const left = Math.min(x + 14, rect.width - tooltip.offsetWidth - 4);
  const top = y + 18 + tooltip.offsetHeight > rect.height ? y - tooltip.offsetHeight - 8 : y + 18;
  tooltip.style.left = `${Math.max(4, left)}px`;
  tooltip.style.top = `${Math.max(4, top)}px`;
});
$('scroller').addEventListener('mouseleave', hideTooltip);

// ---- interaction -----------------------------------------------------------------------------

function select(hit) {
  if (!hit?.row) return;
  const rotationId = hit.row.rotationId;
  state.selection = { rotationId, legId: hit.leg?.id ?? '', violation: null };
  chart.selected = { rotationId: rotationId ?? '', legId: hit.leg?.id ?? '' };
  forms.select(rotationId, hit.leg?.id ?? null);
  if (hit.row.kind === 'airplane') forms.selectAirplane(hit.row.id);
  if (state.by === 'airplane') $('airplanes-panel').open = true;
  showSelection();
  chart.requestDraw();
}

$('scroller').addEventListener('click', (e) => {
  const rect = $('scroller').getBoundingClientRect();
  select(chart.hit(e.clientX - rect.left, e.clientY - rect.top));
});

// Keyboard: the chart scrolls, zooms and selects without a mouse.
$('scroller').addEventListener('keydown', (e) => {
  const s = $('scroller');
  const page = s.clientHeight - AXIS - ROW;
  const step = chart.plotWidth() / 8;
  const centre = () => chart.timeAt(GUTTER + chart.plotWidth() / 2);
  const keys = {
    ArrowDown: () => (s.scrollTop += ROW),
    ArrowUp: () => (s.scrollTop -= ROW),
    PageDown: () => (s.scrollTop += page),
    PageUp: () => (s.scrollTop -= page),
    ArrowRight: () => (s.scrollLeft += step),
    ArrowLeft: () => (s.scrollLeft -= step),
    Home: () => (s.scrollLeft = 0),
    End: () => (s.scrollLeft = s.scrollWidth),
    '+': () => chart.zoomBy(1.25, centre(), chart.plotWidth() / 2),
    '=': () => chart.zoomBy(1.25, centre(), chart.plotWidth() / 2),
    '-': () => chart.zoomBy(0.8, centre(), chart.plotWidth() / 2),
    d: () => zoom('day'),
    w: () => zoom('week'),
    m: () => zoom('month'),
    Enter: () => {
      const hit = chart.hit(GUTTER + chart.plotWidth() / 2, AXIS + (s.clientHeight - AXIS) / 2);
      const row = hit?.row;
      if (!row) return;
      // The leg nearest the middle of the view.
      const t = centre();
      const leg = row.legs.reduce(
        (best, l) => (best === null || Math.abs((l.dep + l.arr) / 2 - t) < Math.abs((best.dep + best.arr) / 2 - t) ? l : best),
        null,
      );
      select({ ...hit, leg });
    },
  };
  const f = keys[e.key];
  if (!f || e.ctrlKey || e.metaKey || e.altKey) return;
  e.preventDefault();
  f();
  updateToolbar();
});

function zoom(name) {
  const w = chart.plotWidth();
  chart.zoomTo(name, chart.timeAt(GUTTER + w / 2), w / 2);
  updateToolbar();
}

function updateToolbar() {
  for (const z of ['day', 'week', 'month']) $(`zoom-${z}`).setAttribute('aria-pressed', String(chart.zoomName === z));
  $('by-rotation').setAttribute('aria-pressed', String(state.by === 'rotation'));
  $('by-airplane').setAttribute('aria-pressed', String(state.by === 'airplane'));
}

for (const z of ['day', 'week', 'month']) $(`zoom-${z}`).onclick = () => zoom(z);
$('earlier').onclick = () => ($('scroller').scrollLeft -= chart.plotWidth() * 0.8);
$('later').onclick = () => ($('scroller').scrollLeft += chart.plotWidth() * 0.8);
$('goto').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = Date.parse(`${$('g-date').value}T00:00:00Z`);
  if (!Number.isNaN(t)) $('scroller').scrollLeft = Math.max(0, (t - chart.t0) * chart.pxPerMs);
});

/** Rows changed (view or filters): start again at the top. */
function rowsChanged() {
  state.key = keyOf();
  state.selection = null;
  chart.selected = null;
  $('scroller').scrollTop = 0;
  void load(specFor(chart.visible()));
  chart.requestDraw();
}
function setView(by) {
  if (state.by === by) return;
  state.by = by;
  updateToolbar();
  rowsChanged();
}
$('by-rotation').onclick = () => setView('rotation');
$('by-airplane').onclick = () => setView('airplane');
let typing = null;
$('filters').addEventListener('input', (e) => {
  // Typing waits for a pause; a box or a list applies at once.
  clearTimeout(typing);
  if (e.target.type === 'text') {
    state.key = keyOf();
    typing = setTimeout(rowsChanged, 200);
  } else rowsChanged();
});

/**
 * Shows a violation on the chart, wherever it is: zooms to a day around its leg and asks the
 * server for the page of rows centred on its rotation. A filter hiding it is cleared.
 */
async function focusViolation(v) {
  const rotationId = rotationsOf(v)[0];
  // The pair's second leg; for a duplicate designator, the leg of that rotation (ids repeat across rotations).
  const legId = v.legs ? (v.legs.find((x) => x.rotationId === rotationId)?.leg.id ?? v.legIds[0]) : v.legIds[v.legIds.length - 1];
  const leg = legsOf(v).find((l) => l.id === legId);
  const t = leg ? (leg.departureUtc + leg.arrivalUtc) / 2 : violationTime(v);
  state.selection = { rotationId, legId, violation: v };
  chart.selected = { rotationId, legId };
  showSelection();
  let found = await focusRow(rotationId, t);
  if (!found) {
    /** @type {HTMLFormElement} */ ($('filters')).reset();
    state.key = keyOf();
    found = await focusRow(rotationId, t);
  }
  return found;
}

async function focusRow(focus, t) {
  const w = chart.plotWidth();
  chart.zoomTo('day', t, w / 2);
  updateToolbar();
  const v = chart.visible();
  const answer = await load({ ...specFor(v), start: 0 }, { focus, place: (a) => a.focus !== null && chart.scrollToRow(a.focus, t) });
  return answer !== null && answer.focus !== null;
}

// ---- tabs, legend, start ---------------------------------------------------------------------

$('tab-schedule').onclick = () => switchTab(false);
$('tab-cluster').onclick = () => switchTab(true);
function switchTab(cluster) {
  $('schedule-view').hidden = cluster;
  $('cluster-view').hidden = !cluster;
  $('tab-schedule').setAttribute('aria-pressed', String(!cluster));
  $('tab-cluster').setAttribute('aria-pressed', String(cluster));
  clusterPanel.active(cluster);
  if (!cluster) chart.resize();
}
if (location.hash === '#cluster') queueMicrotask(() => switchTab(true));

$('legend').replaceChildren(
  ...[['ok', LEG_COLOUR], ...CHECKS.map((c) => [CHECK_LABEL[c].toLowerCase(), CHECK_COLOUR[c]])].map(([label, colour]) => {
    const s = document.createElement('span');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = colour;
    s.append(sw, label);
    return s;
  }),
);

/**
 * Scrolls the chart by `dy` px per frame for `frames` frames and returns the
 * requestAnimationFrame deltas (ms) and the chart's draw time per frame.
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

const hooks = {
  ready: false,
  connected: false,
  /** Times the WebSocket was lost. */
  disconnects: 0,
  /** performance.now() (ms since navigation) when the first window was drawn. */
  firstChartMs: null,
  windowFetches: () => state.windowFetches,
  legCount: () => model.summary.counts.legs,
  rotationCount: () => model.summary.counts.rotations,
  /** Rows of the current filters; while changed filters' answer is on its way, a promise of it. */
  rowCount: () =>
    inflight && inflight.key === state.key && model.summary.key !== state.key
      ? inflight.promise.then(() => model.summary.total)
      : model.summary.total,
  violationCount: () => model.violationTotal(),
  violatedLegs: () => [...new Set([...list.legIds(), ...model.loadedRows(state.key).flatMap((r) => [...(r.byLeg?.keys() ?? [])])])],
  visibleRows: () => {
    const v = chart.visible();
    return model
      .loadedRows(state.key)
      .filter((_, i) => model.window.start + i >= v.r0 && model.window.start + i < v.r1)
      .map((r) => r.id);
  },
  loadedRows: () =>
    model.loadedRows(state.key).map((r, i) => ({
      index: model.window.start + i,
      kind: r.kind,
      id: r.id,
      rotationId: r.rotationId,
      registration: r.registration,
      legs: r.legs.map((l) => l.id),
    })),
  lastFrameMs: () => chart.lastFrameMs,
  selected: () => chart.selected,
  registrationOf: (rotationId) => findRow(rotationId)?.row.registration ?? null,
  offset: () => model.summary.offset,
  /** Whether a leg of a rotation is loaded and drawn inside the visible chart. */
  onScreen: (rotationId, legId) => {
    const f = findRow(rotationId);
    const leg = f?.row.legs.find((l) => l.id === legId);
    return leg ? chart.legBox(f.index, leg).onScreen : false;
  },
  /** Centres the chart on a rotation's row, at the time in the middle of the view. */
  scrollTo: (rotationId) => focusRow(rotationId, chart.timeAt(GUTTER + chart.plotWidth() / 2)),
  setView,
  zoom,
  scrollToRow: (i) => chart.scrollToRow(i),
  /** Page coordinates of row `i`: its label, or the time `t` on it. */
  rowPoint: (i, t) => {
    const r = $('scroller').getBoundingClientRect();
    const x = t === undefined ? GUTTER / 2 : GUTTER + (t - chart.t0) * chart.pxPerMs - $('scroller').scrollLeft;
    return { x: r.left + x, y: r.top + AXIS + i * ROW - $('scroller').scrollTop + ROW / 2 };
  },
  view: () => ({
    by: state.by,
    zoom: chart.zoomName,
    ...chart.visible(),
    total: model.summary.total,
    airplaneRows: model.summary.airplaneRows,
  }),
  measureScroll,
  /** Drops the WebSocket the way a lost network would (the page must notice and reconnect). */
  dropConnection: () => socket.ws?.close(),
};
window.aloft = hooks;

const forms = wireForms({ onImportDone: (offset) => reloadAll(offset), onCommand: (offset) => reloadAll(offset) });
const clusterPanel = wireCluster();

let subscribedBefore = false;
let firstSubscription = () => {};
const subscribedOnce = new Promise((resolve) => (firstSubscription = resolve));
const socket = new LiveSocket(
  onLive,
  () => {
    // Resubscribed: anything published while away is lost, so read it again. (The window's own
    // subscription names the offset of what the page holds, so the server makes up for its gap.)
    if (subscribedBefore) reloadAll();
    subscribedBefore = true;
    firstSubscription();
  },
  onConnection,
);

async function start() {
  chart.zoomTo('week', chart.t0);
  state.started = true;
  // The chart first, then the list: what is on screen never waits for what is not.
  const v = chart.visible();
  const first = await load({ ...specFor(v), from: undefined, to: undefined, start: 0 });
  // The list once subscribed to violations (or after 3 s without a socket): a change landing
  // between the read and the subscription would otherwise be missed until the next one.
  await Promise.race([subscribedOnce, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  await list.refresh(first?.offset ?? 0).catch(() => undefined);
  hooks.ready = true;
}

start().catch((error) => {
  $('stats').textContent = `could not load the schedule: ${error.message}`;
});
