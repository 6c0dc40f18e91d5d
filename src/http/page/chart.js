// The schedule chart: one row per rotation, legs as bars on a UTC time axis labelled with the
// flight designator and airports (as the thesis draws its figures 1.1-1.4), the airplane beside
// its rotation, violated legs in red. A canvas the size of the viewport lies over a scrolling
// spacer as large as the whole chart, so scrolling is the browser's own and each frame draws
// only the visible rows, and in each row only the legs in the visible time window (binary search:
// a rotation's legs never overlap, so they are sorted by both departure and arrival).

import { designator } from './model.js';

const GUTTER = 250; // rotation and airplane labels
const AXIS = 28; // date axis
export const ROW = 26;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export class Chart {
  /**
   * @param {HTMLElement} scroller @param {HTMLElement} spacer @param {HTMLCanvasElement} canvas
   * @param {import('./model.js').Model} model
   */
  constructor(scroller, spacer, canvas, model) {
    this.scroller = scroller;
    this.spacer = spacer;
    this.canvas = canvas;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { alpha: false }));
    this.model = model;
    /** @type {import('./model.js').Rotation[]} */ this.rows = [];
    this.t0 = Date.UTC(2026, 0, 1);
    this.t1 = this.t0 + 7 * DAY;
    this.pxPerMs = 14 / HOUR;
    /** @type {{rotationId:string, legId:string}|null} */ this.selected = null;
    this.pending = false;
    this.lastFrameMs = 0;
    this.onDraw = () => {};
    scroller.addEventListener('scroll', () => this.requestDraw(), { passive: true });
    new ResizeObserver(() => this.requestDraw()).observe(scroller);
    // Ctrl+wheel zooms the time axis around the pointer.
    scroller.addEventListener('wheel', (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      const x = e.clientX - scroller.getBoundingClientRect().left;
      this.zoom(e.deltaY < 0 ? 1.25 : 0.8, this.timeAt(x), x - GUTTER);
    }, { passive: false });
  }

  /** Sets the rows and the time extent, keeping the scroll position where it can. */
  setRows(rows, t0, t1) {
    this.rows = rows;
    this.t0 = t0;
    this.t1 = Math.max(t1, t0 + DAY);
    this.resize();
  }

  resize() {
    this.spacer.style.width = `${Math.ceil(GUTTER + (this.t1 - this.t0) * this.pxPerMs + 40)}px`;
    this.spacer.style.height = `${AXIS + this.rows.length * ROW + 20}px`;
    this.requestDraw();
  }

  /** Zooms the time axis, keeping `atTime` at `screenX` px right of the labels. */
  zoom(factor, atTime, screenX) {
    this.pxPerMs = Math.min(600 / HOUR, Math.max(0.5 / HOUR, this.pxPerMs * factor));
    this.resize();
    this.scroller.scrollLeft = (atTime - this.t0) * this.pxPerMs - screenX;
  }

  /** Time under a canvas x coordinate. */
  timeAt(x) {
    return this.t0 + (x - GUTTER + this.scroller.scrollLeft) / this.pxPerMs;
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const started = performance.now();
      this.draw();
      this.lastFrameMs = performance.now() - started;
      this.onDraw();
    });
  }

  /** The rotation and leg under a point of the canvas, if any. */
  hit(x, y) {
    const row = Math.floor((y - AXIS + this.scroller.scrollTop) / ROW);
    const rotation = this.rows[row];
    if (!rotation || y < AXIS) return null;
    if (x < GUTTER) return { rotation, leg: null };
    const t = this.timeAt(x);
    const slack = 3 / this.pxPerMs;
    const leg = rotation.legs.find((l) => l.departureUtc - slack <= t && t <= l.arrivalUtc + slack) ?? null;
    return { rotation, leg };
  }

  /** Scrolls so that the leg (or the rotation's first leg) is in the middle of the view. */
  scrollTo(rotationId, legId) {
    const row = this.rows.findIndex((r) => r.id === rotationId);
    if (row < 0) return false;
    const leg = this.rows[row].legs.find((l) => l.id === legId) ?? this.rows[row].legs[0];
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    this.scroller.scrollTop = Math.max(0, row * ROW - (h - AXIS) / 2);
    if (leg) this.scroller.scrollLeft = Math.max(0, (leg.departureUtc - this.t0) * this.pxPerMs - (w - GUTTER) / 2);
    this.selected = { rotationId, legId: leg?.id ?? '' };
    this.requestDraw();
    return true;
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
    const first = Math.max(0, Math.floor(sy / ROW));
    const last = Math.min(this.rows.length, Math.ceil((sy + h - AXIS) / ROW) + 1);

    this.drawGrid(ctx, tStart, tEnd, xOf, h);
    // Rows scroll under the fixed date axis: clip them to the area below it.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, w, h - AXIS);
    ctx.clip();
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const byLeg = this.model.byLeg;
    for (let i = first; i < last; i++) {
      const r = this.rows[i];
      const y = AXIS + i * ROW - sy;
      if (i % 2 === 1) {
        ctx.fillStyle = '#f7f9fb';
        ctx.fillRect(GUTTER, y, w - GUTTER, ROW);
      }
      const legs = r.legs;
      // First leg that is still in the air at tStart.
      let lo = 0;
      let hi = legs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (legs[mid].arrivalUtc < tStart) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < legs.length && legs[k].departureUtc <= tEnd; k++) {
        const leg = legs[k];
        const x0 = Math.max(GUTTER - 2, xOf(leg.departureUtc));
        const x1 = Math.min(w + 2, xOf(leg.arrivalUtc));
        const bw = Math.max(2, x1 - x0);
        const bad = byLeg.has(leg.id);
        const sel = this.selected !== null && this.selected.legId === leg.id;
        ctx.fillStyle = bad ? '#e63946' : '#457b9d';
        ctx.fillRect(x0, y + 4, bw, ROW - 8);
        if (sel) {
          ctx.strokeStyle = '#f4a261';
          ctx.lineWidth = 3;
          ctx.strokeRect(x0 - 1.5, y + 2.5, bw + 3, ROW - 5);
        }
        if (bw > 48) {
          ctx.fillStyle = '#fff';
          const text = bw > 120 ? `${designator(leg)}  ${leg.departureAirport}–${leg.arrivalAirport}` : bw > 80 ? `${leg.departureAirport}–${leg.arrivalAirport}` : leg.departureAirport;
          ctx.save();
          ctx.beginPath();
          ctx.rect(x0, y, bw, ROW);
          ctx.clip();
          ctx.fillText(text, x0 + 4, y + ROW / 2);
          ctx.restore();
        }
      }
    }
    // Labels last, over any bar that started left of the view.
    ctx.fillStyle = '#eef2f6';
    ctx.fillRect(0, AXIS, GUTTER, h - AXIS);
    for (let i = first; i < last; i++) {
      const r = this.rows[i];
      const y = AXIS + i * ROW - sy;
      const bad = r.legs.some((l) => byLeg.has(l.id));
      ctx.fillStyle = bad ? '#b00020' : '#1d2733';
      ctx.fillText(clip(r.id, 26), 6, y + ROW / 2);
      if (r.registration) {
        ctx.fillStyle = '#2a6f97';
        ctx.fillText(`✈ ${clip(r.registration, 9)}`, GUTTER - 72, y + ROW / 2);
      }
    }
    ctx.restore();
    this.drawAxis(ctx, tStart, tEnd, xOf, w);
    ctx.strokeStyle = '#ccd';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(GUTTER + 0.5, 0);
    ctx.lineTo(GUTTER + 0.5, h);
    ctx.stroke();
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
      ctx.strokeStyle = '#f0f2f5';
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
    ctx.fillStyle = '#e9eef3';
    ctx.fillRect(0, 0, w, AXIS);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#334';
    for (let t = Math.floor(tStart / step) * step; t <= tEnd; t += step) {
      const x = xOf(t);
      if (x >= GUTTER - 2) ctx.fillText(new Date(t).toISOString().slice(0, 10), x + 4, AXIS / 2);
    }
    ctx.fillStyle = '#1d3557';
    ctx.fillText(`${this.rows.length} rotations · UTC`, 6, AXIS / 2);
    ctx.strokeStyle = '#c9d3dd';
    ctx.beginPath();
    ctx.moveTo(0, AXIS - 0.5);
    ctx.lineTo(w, AXIS - 0.5);
    ctx.stroke();
  }
}

function clip(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
