// The editing forms and the SSIM upload. Each form posts to the API and shows the API's refusal
// (the problem's `detail`) in its own <output>, next to the fields; on success the page reloads
// what it shows at the command's offset (read your writes), and the live window follows anyway.

import { api, ApiError } from './api.js';

const $ = (id) => /** @type {any} */ (document.getElementById(id));

let committed = (_offset) => {};

/** Runs `action` for `form`'s submit, showing its outcome in `out`. */
function onSubmit(form, out, action) {
  $(form).addEventListener('submit', async (e) => {
    e.preventDefault();
    const el = $(out);
    el.className = 'msg';
    el.textContent = '';
    const button = $(form).querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const message = await action(new FormData($(form)));
      el.className = message.startsWith('Interrupted') ? 'msg wait' : 'msg ok';
      el.textContent = message;
    } catch (error) {
      el.className = 'msg';
      el.textContent = error instanceof ApiError ? `Refused: ${error.message}` : String(error);
      if (error instanceof ApiError && error.field) el.textContent += ` (field: ${error.field})`;
    } finally {
      button.disabled = false;
    }
  });
}

const s = (fd, name) => String(fd.get(name) ?? '').trim();
/** datetime-local values are read as UTC (the whole page works in UTC). */
const utc = (v) => (v.length === 16 ? `${v}:00Z` : `${v}Z`);

/** Tells the page a command went through at `offset`, and passes its reply on. */
function done(r) {
  if (r && typeof r.offset === 'number') committed(r.offset);
  return r;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows an assignment saga that did not finish within its request (202: interrupted, e.g. by
 * a slow step or a member handing its shard over) until it ends, showing where it is meanwhile.
 */
async function followAssignment(r, el) {
  el.className = 'msg wait';
  el.textContent = `Interrupted: assignment ${r.assignmentId} is still running; it finishes by itself (${r.href}). Waiting for its outcome…`;
  for (let i = 0; i < 240; i++) {
    await sleep(500);
    let s;
    try {
      s = await api('GET', r.href);
    } catch {
      continue;
    }
    if (s.state !== 'completed' || !s.outcome) continue;
    const o = s.outcome;
    committed(s.offset);
    if (o._tag === 'Assigned' || o._tag === 'Unassigned') {
      el.className = 'msg ok';
      el.textContent = `${o._tag} (after an interruption; assignment ${r.assignmentId})`;
    } else {
      el.className = 'msg';
      el.textContent = `Refused after an interruption: ${o.message ?? o.error?.message ?? o._tag} (assignment ${r.assignmentId}; its claim was undone)`;
    }
    return;
  }
}

export function wireForms({ onImportDone, onCommand }) {
  committed = onCommand;
  onSubmit('add-leg', 'l-error', async (fd) => {
    const rotation = s(fd, 'rotation');
    const body = {
      carrier: s(fd, 'carrier').toUpperCase(),
      flightNumber: Number(s(fd, 'flightNumber')),
      dateOfOrigin: s(fd, 'dateOfOrigin'),
      departureAirport: s(fd, 'departureAirport').toUpperCase(),
      arrivalAirport: s(fd, 'arrivalAirport').toUpperCase(),
      departure: utc(s(fd, 'departure')),
      arrival: utc(s(fd, 'arrival')),
    };
    if (s(fd, 'suffix')) body.suffix = s(fd, 'suffix').toUpperCase();
    if (s(fd, 'aircraftType')) body.aircraftType = s(fd, 'aircraftType').toUpperCase();
    const r = done(await api('POST', `/api/rotations/${encodeURIComponent(rotation)}/legs`, body));
    return `Added leg ${r.legId} (offset ${r.offset})`;
  });
  onSubmit('remove-leg', 'rl-error', async (fd) => {
    const r = done(await api('DELETE', `/api/rotations/${encodeURIComponent(s(fd, 'rotation'))}/legs/${encodeURIComponent(s(fd, 'leg'))}`));
    return `Removed (offset ${r.offset})`;
  });
  onSubmit('create-rotation', 'r-error', async (fd) => {
    const name = s(fd, 'name');
    const r = done(await api('POST', '/api/rotations', name ? { name } : {}));
    $('l-rotation').value = r.id;
    return `Created rotation ${r.id}`;
  });
  onSubmit('create-airplane', 'a-error', async (fd) => {
    const r = done(
      await api('POST', '/api/airplanes', {
        registration: s(fd, 'registration'),
        aircraftType: s(fd, 'aircraftType').toUpperCase(),
        minGroundTimeMinutes: Number(s(fd, 'minGroundTimeMinutes')),
      }),
    );
    return `Created airplane ${r.id}`;
  });
  onSubmit('assign', 'as-error', async (fd) => {
    const rotation = s(fd, 'rotation');
    const r = done(
      await api('PUT', `/api/airplanes/${encodeURIComponent(s(fd, 'registration'))}/rotation`, { rotationId: rotation || null }),
    );
    // 202: the saga goes on by itself; its outcome is at GET /api/assignments/{assignmentId}.
    if (r.state === 'running') {
      void followAssignment(r, $('as-error'));
      return `Interrupted: assignment ${r.assignmentId} is still running; it finishes by itself (${r.href})`;
    }
    return rotation ? `Assigned ${rotation}${r.replaced ? ` (replacing ${r.replaced})` : ''}` : 'Unassigned';
  });
  onSubmit('airport', 'ap-error', async (fd) => {
    const code = s(fd, 'code').toUpperCase();
    done(await api('POST', '/api/airports', { code, minGroundTimeMinutes: Number(s(fd, 'minutes')) }));
    return `${code}: minimum ground time set`;
  });

  // ---- import: upload, then progress from the WebSocket's "imports" topic ----
  let current = null;
  onSubmit('import', 'i-status', async (fd) => {
    const ssimFile = /** @type {File} */ (fd.get('ssim'));
    const rotFile = /** @type {File|null} */ (fd.get('rotations'));
    if (!ssimFile || ssimFile.size === 0) throw new Error('choose an SSIM file first');
    const body = { ssim: await ssimFile.text(), onError: s(fd, 'onError') || 'reject' };
    if (rotFile && rotFile.size > 0) body.rotations = await rotFile.text();
    $('i-progress').value = 0;
    delete $('i-progress').dataset.state;
    $('i-problems').replaceChildren();
    const r = await api('POST', '/api/imports', body);
    current = r.importId;
    // The socket may have missed the start; ask once so a fast import still ends in "done".
    void api('GET', `/api/imports/${r.importId}`).then(progress, () => undefined);
    return `Import ${r.importId} started`;
  });

  function progress(status) {
    if (!status || status.importId !== current) return;
    const bar = $('i-progress');
    const out = $('i-status');
    if (status.commandsTotal > 0) bar.value = status.commandsApplied / status.commandsTotal;
    else if (status.bytesTotal > 0) bar.value = (status.bytes ?? 0) / status.bytesTotal / 2;
    out.className = status.state === 'failed' || status.state === 'rejected' ? 'msg' : 'msg ok';
    out.textContent = status.message ?? `${status.state}: ${status.commandsApplied ?? 0} of ${status.commandsTotal ?? '?'} commands`;
    if (status.state === 'done' || status.state === 'failed' || status.state === 'rejected') {
      bar.value = status.state === 'done' ? 1 : 0;
      const problems = [...(status.problems ?? []), ...(status.rejections ?? [])];
      $('i-problems').replaceChildren(
        ...problems.slice(0, 200).map((p) => {
          const li = document.createElement('li');
          const text = typeof p === 'string' ? p : (p.message ?? `${p.error ?? ''} ${p.rotationId ?? ''}`.trim());
          // Parser problems name their line in the message already; add it where they do not.
          li.textContent = p.line !== undefined && !text.startsWith('line ') ? `line ${p.line}: ${text}` : text;
          return li;
        }),
      );
      $('i-progress').dataset.state = status.state;
      current = null;
      onImportDone(status.offset ?? 0);
    }
  }

  return {
    importProgress: progress,
    /** A click on the chart fills the rotation (and leg) fields of the forms. */
    select(rotationId, legId) {
      if (rotationId) {
        $('l-rotation').value = rotationId;
        $('rl-rotation').value = rotationId;
        $('as-rotation').value = rotationId;
      }
      if (legId) $('rl-leg').value = legId;
    },
    /** A click on an airplane row fills the assignment's airplane. */
    selectAirplane(registration) {
      $('as-reg').value = registration;
    },
  };
}
