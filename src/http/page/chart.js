// The schedule chart: one row per rotation (or per airplane, with the rotations nobody flies
// after them), legs as bars on a UTC time axis labelled with the flight and airports (as the
// thesis draws its figures 1.1-1.4), legs at fault in their violation's colour. A canvas the size
// of the viewport lies over a scrolling spacer as large as the whole chart (every row of the
// filters, the whole season), so scrolling is the browser's own; each frame draws the visible
// rows that are loaded and, in each, the legs in the visible time range (binary search: a row's
// legs never overlap, so they are sorted by departure and by arrival). Rows and times not loaded
// yet are drawn as such, never waited for.

import { CHECKS, CHECK_COLOUR, LEG_COLOUR } from './model.js';

export const GUTTER = 220; // row labels
export const AXIS = 28; // date axis
export const ROW = 26;
const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const ZOOM_DAYS = { day: 1, week: 7, month: 30 };

export class Chart {
  /**
   * @param {HTMLElement} scroller @param {HTMLElement} spacer @param {HTMLCanvasElement} canvas
   * @param {{ total(): number, row(i:number): any, loaded(): {from:number,to:number}|null, airplaneRows(): number, by(): string }} source
   */
  constructor(scroller, spacer, canvas, source) {
    this.scroller = scroller;
    this.spacer = spacer;
    this.canvas = canvas;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { alpha: false }));
    this.source = source;
    this.t0 = Date.UTC(2026, 0, 1);
    this.t1 = this.t0 + 7 * DAY;
    this.pxPerMs = 14 / HOUR;
    this.zoomName = 'week';
    /** @type {{rotationId:string, legId:string}|null} */ this.selected = null;
    this.pending = false;
    this.lastFrameMs = 0;
    this.frames = 0;
    /** Called after every frame, and on every scroll or zoom (the page loads what is needed). */
    this.onDraw = () => {};
    this.onView = () => {};
    scroller.addEventListener(
      'scroll',
      () => {
        this.requestDraw();
        this.onView();
      },
      { passive: true },
    );
    new ResizeObserver(() => {
      this.resize();
      this.onView();
    }).observe(scroller);
    // Ctrl+wheel zooms the time axis around the pointer.
    scroller.addEventListener(
      'wheel',
      (e) => {
        if (!e.ctrlKey) return;
        e.preventDefault();
        const x = e.clientX - scroller.getBoundingClientRect().left;
        this.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, this.timeAt(x), x - GUTTER);
      },
      { passive: false },
    );
  }

  /** Width of the time area in px. */
  plotWidth() {
    return Math.max(100, this.scroller.clientWidth - GUTTER);
  }

  /** The whole chart's time range; keeps the time at the left edge where it was. */
  setExtent(t0, t1) {
    if (t0 === this.t0 && t1 === this.t1) return;
    const left = this.timeAt(GUTTER);
    this.t0 = t0;
    this.t1 = Math.max(t1, t0 + DAY);
    this.resize();
    this.scroller.scrollLeft = Math.max(0, (left - this.t0) * this.pxPerMs);
  }

  resize() {
    const rows = this.source.total();
    this.spacer.style.width = `${Math.ceil(GUTTER + (this.t1 - this.t0) * this.pxPerMs + 40)}px`;
    this.spacer.style.height = `${AXIS + rows * ROW + 20}px`;
    this.requestDraw();
  }

  /** Zoom to show `days` across the plot (day, week, month), keeping `atTime` at the same place (default: the left edge). */
  zoomTo(name, atTime = this.timeAt(GUTTER), screenX = 0) {
    this.zoomName = name;
    this.pxPerMs = this.plotWidth() / (ZOOM_DAYS[name] * DAY);
    this.resize();
    this.scroller.scrollLeft = Math.max(0, (atTime - this.t0) * this.pxPerMs - screenX);
    this.onView();
  }

  /** Zooms the time axis by `factor`, keeping `atTime` at `screenX` px right of the labels. */
  zoomBy(factor, atTime, screenX) {
    this.zoomName = 'custom';
    // At most ninety days across: further out, legs are narrower than a pixel.
    this.pxPerMs = Math.min(600 / HOUR, Math.max(this.plotWidth() / (90 * DAY), this.pxPerMs * factor));
    this.resize();
    this.scroller.scrollLeft = Math.max(0, (atTime - this.t0) * this.pxPerMs - screenX);
    this.onView();
  }

  /** Time under a canvas x coordinate. */
  timeAt(x) {
    return this.t0 + (x - GUTTER + this.scroller.scrollLeft) / this.pxPerMs;
  }

  /** Visible rows [r0, r1) and times [t0, t1). */
  visible() {
    const h = this.scroller.clientHeight;
    const sy = this.scroller.scrollTop;
    const r0 = Math.max(0, Math.floor(sy / ROW));
    const r1 = Math.max(r0 + 1, Math.ceil((sy + h - AXIS) / ROW));
    return { r0, r1, t0: this.timeAt(GUTTER), t1: this.timeAt(this.scroller.clientWidth) };
  }

  /** Scrolls row `index` to the middle of the view and, given one, the time `t` too. */
  scrollToRow(index, t) {
    const h = this.scroller.clientHeight;
    this.scroller.scrollTop = Math.max(0, index * ROW - (h - AXIS) / 2 + ROW / 2);
    if (t !== undefined) this.scroller.scrollLeft = Math.max(0, (t - this.t0) * this.pxPerMs - this.plotWidth() / 2);
    this.requestDraw();
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const started = performance.now();
      this.draw();
      this.lastFrameMs = performance.now() - started;
      this.frames++;
      this.onDraw();
    });
  }

  /** The row (by index) and leg under a point of the canvas, if any. */
  hit(x, y) {
    if (y < AXIS) return null;
    const index = Math.floor((y - AXIS + this.scroller.scrollTop) / ROW);
    if (index < 0 || index >= this.source.total()) return null;
    const row = this.source.row(index);
    if (!row) return { index, row: null, leg: null };
    if (x < GUTTER) return { index, row, leg: null };
    const t = this.timeAt(x);
    const slack = 3 / this.pxPerMs;
    const leg = row.legs.find((l) => l.dep - slack <= t && t <= l.arr + slack) ?? null;
    return { index, row, leg };
  }

  /** Where a leg of row `index` is drawn (canvas px), and whether any of it is on screen. */
  legBox(index, leg) {
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    const y = AXIS + index * ROW - this.scroller.scrollTop;
    const x0 = GUTTER + (leg.dep - this.t0) * this.pxPerMs - this.scroller.scrollLeft;
    const x1 = GUTTER + (leg.arr - this.t0) * this.pxPerMs - this.scroller.scrollLeft;
    return { x0, x1, y, onScreen: x1 >= GUTTER && x0 <= w && y >= AXIS && y + ROW <= h };
  }

  /** The colour of a leg: its first violation's check, in the order of CHECKS. */
  colourOf(row, leg) {
    const vs = row.byLeg?.get(leg.id);
    if (!vs || vs.length === 0) return LEG_COLOUR;
    for (const c of CHECKS) if (vs.some((v) => v.check === c)) return CHECK_COLOUR[c];
    return LEG_COLOUR;
  }

  draw() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    const sx = this.scroller.scrollLeft;
    const sy = this.scroller.scrollTop;
    const tStart = this.timeAt(GUTTER);
    const tEnd = this.timeAt(w);
    const xOf = (t) => GUTTER + (t - this.t0) * this.pxPerMs - sx;
    const total = this.source.total();
    const first = Math.max(0, Math.floor(sy / ROW));
    const last = Math.min(total, Math.ceil((sy + h - AXIS) / ROW) + 1);
    const loaded = this.source.loaded();

    this.drawGrid(ctx, tStart, tEnd, xOf, h);
    // Rows scroll under the fixed date axis: clip them to the area below it.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, w, h - AXIS);
    ctx.clip();
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let i = first; i < last; i++) {
      const y = AXIS + i * ROW - sy;
      const row = this.source.row(i);
      if (i % 2 === 1) {
        ctx.fillStyle = '#f5f7fa';
        ctx.fillRect(GUTTER, y, w - GUTTER, ROW);
      }
      if (!row || !loaded) {
        // Not loaded yet: a placeholder bar, so the chart never waits for it.
        ctx.fillStyle = '#e4e8ee';
        ctx.fillRect(GUTTER + 8, y + ROW / 2 - 2, w - GUTTER - 16, 4);
        continue;
      }
      // Times of this row outside the loaded range: hatched until they arrive.
      if (loaded.from > tStart) this.hatch(ctx, GUTTER, Math.min(w, xOf(loaded.from)), y);
      if (loaded.to < tEnd) this.hatch(ctx, Math.max(GUTTER, xOf(loaded.to)), w, y);
      const legs = row.legs;
      let lo = 0;
      let hi = legs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (legs[mid].arr < tStart) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < legs.length && legs[k].dep <= tEnd; k++) {
        const leg = legs[k];
        const x0 = Math.max(GUTTER - 2, xOf(leg.dep));
        const x1 = Math.min(w + 2, xOf(leg.arr));
        const colour = this.colourOf(row, leg);
        // A faulty leg stays wide enough to see when zoomed out.
        const bw = Math.max(colour === LEG_COLOUR ? 2 : 5, x1 - x0);
        ctx.fillStyle = colour;
        ctx.fillRect(x0, y + 4, bw, ROW - 8);
        if (colour !== LEG_COLOUR) {
          // A faulty leg also gets a dark underline: the fault shows without telling colours apart.
          ctx.fillStyle = '#111';
          ctx.fillRect(x0, y + ROW - 5, bw, 2);
        }
        if (this.selected !== null && this.selected.legId === leg.id && this.selected.rotationId === row.rotationId) {
          ctx.strokeStyle = '#111';
          ctx.lineWidth = 1;
          ctx.strokeRect(x0 - 3.5, y + 0.5, bw + 7, ROW - 1);
          ctx.strokeStyle = '#f59e0b';
          ctx.lineWidth = 3;
          ctx.strokeRect(x0 - 1.5, y + 2.5, bw + 3, ROW - 5);
        }
        if (bw > 48) {
          ctx.fillStyle = '#fff';
          const text = bw > 130 ? `${leg.flight}  ${leg.from}–${leg.to}` : bw > 80 ? `${leg.from}–${leg.to}` : leg.from;
          ctx.save();
          ctx.beginPath();
          ctx.rect(x0, y, bw, ROW);
          ctx.clip();
          ctx.fillText(text, x0 + 4, y + ROW / 2);
          ctx.restore();
        }
      }
    }
    this.drawLabels(ctx, first, last, sy, w, h);
    ctx.restore();
    this.drawAxis(ctx, tStart, tEnd, xOf, w);
    ctx.strokeStyle = '#aab4c0';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(GUTTER + 0.5, 0);
    ctx.lineTo(GUTTER + 0.5, h);
    ctx.stroke();
  }

  hatch(ctx, x0, x1, y) {
    if (x1 <= x0) return;
    ctx.fillStyle = '#eef0f3';
    ctx.fillRect(x0, y + ROW / 2 - 1, x1 - x0, 2);
  }

  /** Labels last, over any bar that started left of the view. */
  drawLabels(ctx, first, last, sy, w, h) {
    ctx.fillStyle = '#eef2f6';
    ctx.fillRect(0, AXIS, GUTTER, h - AXIS);
    const byAirplane = this.source.by() === 'airplane';
    const split = this.source.airplaneRows();
    for (let i = first; i < last; i++) {
      const row = this.source.row(i);
      const y = AXIS + i * ROW - sy;
      if (byAirplane && i >= split) {
        // The unassigned rotations' group: its own background.
        ctx.fillStyle = '#fbefd9';
        ctx.fillRect(0, y, GUTTER, ROW);
      }
      if (!row) {
        ctx.fillStyle = '#5b6675';
        ctx.fillText('loading…', 8, y + ROW / 2);
        continue;
      }
      const bad = row.violationCount > 0;
      if (row.kind === 'airplane') {
        ctx.fillStyle = '#12324f';
        ctx.fillText(`✈ ${clip(row.id, 10)}${row.aircraftType ? ` ${row.aircraftType}` : ''}`, 8, y + ROW / 2);
        ctx.fillStyle = bad ? '#a3001b' : '#3d4a5a';
        ctx.fillText(row.rotationId ? clip(row.rotationId, 10) : '— no rotation', 112, y + ROW / 2);
      } else {
        ctx.fillStyle = bad ? '#a3001b' : '#1d2733';
        ctx.fillText(clip(row.id, 13), 8, y + ROW / 2);
        ctx.fillStyle = '#24557f';
        if (row.kind === 'unassigned') ctx.fillText('unassigned', 104, y + ROW / 2);
        else if (row.registration) ctx.fillText(`✈ ${clip(row.registration, 9)}`, 104, y + ROW / 2);
      }
      if (bad) {
        ctx.fillStyle = '#a3001b';
        ctx.fillText(`⚠${row.violationCount}`, GUTTER - 32, y + ROW / 2);
      }
    }
    if (byAirplane && split > 0 && split < this.source.total()) {
      // The unassigned rotations' group starts here.
      const y = AXIS + split * ROW - sy;
      if (y >= AXIS - 2 && y <= h) {
        ctx.fillStyle = '#12324f';
        ctx.fillRect(0, y - 1, w, 3);
      }
    }
  }

  /** Days (or weeks) between date labels, so labels never overlap. */
  dayStep() {
    const dayPx = DAY * this.pxPerMs;
    return dayPx < 12 ? 28 * DAY : dayPx < 80 ? 7 * DAY : DAY;
  }

  /** Day lines (hours too when zoomed in far enough). */
  drawGrid(ctx, tStart, tEnd, xOf, h) {
    const step = this.dayStep();
    const hourStep = this.pxPerMs * HOUR >= 30 ? HOUR : this.pxPerMs * HOUR * 6 >= 40 ? 6 * HOUR : 0;
    if (hourStep > 0) {
      ctx.strokeStyle = '#eef1f4';
      ctx.beginPath();
      for (let t = Math.floor(tStart / hourStep) * hourStep; t <= tEnd; t += hourStep) {
        const x = Math.round(xOf(t)) + 0.5;
        ctx.moveTo(x, AXIS);
        ctx.lineTo(x, h);
      }
      ctx.stroke();
    }
    ctx.strokeStyle = '#c9d3dd';
    ctx.beginPath();
    for (let t = Math.floor(tStart / step) * step; t <= tEnd; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
    }
    ctx.stroke();
  }

  /** The fixed date axis along the top. */
  drawAxis(ctx, tStart, tEnd, xOf, w) {
    const step = this.dayStep();
    const hourLabels = this.pxPerMs * HOUR >= 30 ? 3 * HOUR : this.pxPerMs * HOUR * 6 >= 60 ? 6 * HOUR : 0;
    ctx.fillStyle = '#e9eef3';
    ctx.fillRect(0, 0, w, AXIS);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#1d2733';
    // The day at the left edge stays named while its midnight is scrolled away.
    const pinned = Math.floor(tStart / DAY) * DAY;
    if (xOf(pinned) < GUTTER - 2) ctx.fillText(new Date(pinned).toISOString().slice(0, 10), GUTTER + 4, AXIS / 2);
    for (let t = Math.floor(tStart / step) * step; t <= tEnd; t += step) {
      const x = xOf(t);
      if (x >= GUTTER - 2 && (xOf(pinned) >= GUTTER - 2 || x > GUTTER + 84))
        ctx.fillText(new Date(t).toISOString().slice(0, 10), x + 4, AXIS / 2);
    }
    if (hourLabels > 0) {
      ctx.fillStyle = '#3d4a5a';
      ctx.font = '11px system-ui, sans-serif';
      for (let t = Math.floor(tStart / hourLabels) * hourLabels; t <= tEnd; t += hourLabels) {
        if (t % DAY === 0) continue;
        const x = xOf(t);
        if (x >= GUTTER + 84) ctx.fillText(`${String(new Date(t).getUTCHours()).padStart(2, '0')}:00`, x + 3, AXIS / 2);
      }
    }
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#12324f';
    const total = this.source.total();
    const split = this.source.airplaneRows();
    ctx.fillText(
      this.source.by() === 'airplane' ? `${split} airplanes · ${total - split} unassigned` : `${total} rotations · UTC`,
      8,
      AXIS / 2,
      GUTTER - 14,
    );
    ctx.strokeStyle = '#aab4c0';
    ctx.beginPath();
    ctx.moveTo(0, AXIS - 0.5);
    ctx.lineTo(w, AXIS - 0.5);
    ctx.stroke();
  }
}

function clip(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
