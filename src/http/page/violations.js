// The violation list on the right: the first page of each check (GET /api/checks/*, in time
// order), exact counts per check from the pages' totals, "Load more" for the next pages. It never
// reads every violation: a season may hold thousands, and the chart shows the ones on screen.
// Picking one (click, Enter or Space) hands it to the page, which scrolls and zooms the chart to it.

import { checkPage } from './api.js';
import { CHECKS, CHECK_COLOUR, CHECK_LABEL, explain, fmtTime, rotationsOf, violationTime } from './model.js';

const PAGE = 100;

export class ViolationList {
  /** @param {{tabs:HTMLElement, list:HTMLElement, more:HTMLButtonElement, onPick:(v:any)=>void}} els */
  constructor({ tabs, list, more, onPick }) {
    this.tabs = tabs;
    this.list = list;
    this.more = more;
    this.onPick = onPick;
    this.check = 'all';
    /** check -> { items, next, total } */
    this.pages = new Map(CHECKS.map((c) => [c, { items: [], next: null, total: 0 }]));
    this.current = null;
    this.loading = null;
    more.onclick = () => void this.loadMore();
  }

  /** Reads the first page of every check again (at `minOffset`, read your writes). */
  refresh(minOffset = 0) {
    const run = async () => {
      const pages = await Promise.all(CHECKS.map((c) => checkPage(c, { limit: PAGE, minOffset })));
      CHECKS.forEach((c, i) => {
        const p = pages[i];
        this.pages.set(c, { items: p.violations.map((v) => ({ ...v, check: c })), next: p.next, total: p.total });
      });
      this.render();
    };
    // One refresh at a time; a request while one runs runs once after it.
    this.loading = (this.loading ?? Promise.resolve()).then(run, run).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async loadMore() {
    const checks = this.check === 'all' ? CHECKS : [this.check];
    await Promise.all(
      checks.map(async (c) => {
        const p = this.pages.get(c);
        if (!p.next) return;
        const more = await checkPage(c, { limit: PAGE, cursor: p.next });
        p.items.push(...more.violations.map((v) => ({ ...v, check: c })));
        p.next = more.next;
        p.total = more.total;
      }),
    );
    this.render();
  }

  /** Every loaded violation, as shown (all checks merged in time order). */
  items() {
    const checks = this.check === 'all' ? CHECKS : [this.check];
    const items = checks.flatMap((c) => this.pages.get(c).items);
    return checks.length > 1 ? items.sort((a, b) => violationTime(a) - violationTime(b)) : items;
  }

  /** Leg ids of every loaded violation. */
  legIds() {
    return CHECKS.flatMap((c) => this.pages.get(c).items.flatMap((v) => v.legIds));
  }

  render() {
    const counts = CHECKS.map((c) => this.pages.get(c).total);
    const tab = (key, label) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.setAttribute('aria-pressed', String(this.check === key));
      b.onclick = () => {
        this.check = key;
        this.render();
      };
      return b;
    };
    this.tabs.replaceChildren(
      tab('all', `All (${counts.reduce((a, b) => a + b, 0)})`),
      ...CHECKS.map((c, i) => tab(c, `${CHECK_LABEL[c]} (${counts[i]})`)),
    );
    const items = this.items();
    this.list.replaceChildren(
      ...items.map((v) => {
        const li = document.createElement('li');
        const rotations = rotationsOf(v);
        const key = `${v.check}:${v.key ?? v.legIds.join(',')}`;
        li.dataset.key = key;
        li.dataset.rotation = rotations[0] ?? '';
        li.tabIndex = 0;
        li.style.borderLeftColor = CHECK_COLOUR[v.check];
        if (this.current === key) li.classList.add('current');
        const time = document.createElement('time');
        time.textContent = `${fmtTime(violationTime(v))} UTC`;
        li.append(`${rotations.join(', ')}: ${explain(v)}`, time);
        li.title = v.message ?? '';
        const pick = () => {
          for (const el of this.list.querySelectorAll('li.current')) el.classList.remove('current');
          li.classList.add('current');
          this.current = key;
          this.onPick(v);
        };
        li.onclick = pick;
        li.onkeydown = (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            pick();
          }
        };
        return li;
      }),
    );
    const checks = this.check === 'all' ? CHECKS : [this.check];
    const left = checks.reduce((n, c) => n + this.pages.get(c).total, 0) - items.length;
    this.more.hidden = left <= 0;
    this.more.textContent = `Load more (${left} not shown)`;
  }
}
