// The cluster panel: members with status, reachability and incarnation from the cluster's admin
// API (through this node's GET /api/cluster/panel, which forwards the token), and this node's own
// view replicas with their lag, and the shards each member hosts. Read only. The token stays in sessionStorage (gone with the tab).
// Polls every 2 s while the panel is open.

import { api, ApiError } from './api.js';

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const KEY = 'aloft.adminToken';

export function wireCluster() {
  let timer = null;
  const hooks = { members: [], error: '' };
  window.aloftCluster = hooks;
  $('token').value = sessionStorage.getItem(KEY) ?? '';
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('token').value);
    void poll();
  });

  async function poll() {
    const token = sessionStorage.getItem(KEY) ?? '';
    const err = $('cluster-error');
    try {
      const data = await api('GET', '/api/cluster/panel', undefined, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      err.textContent = '';
      hooks.error = '';
      render(data);
    } catch (error) {
      const message =
        error instanceof ApiError
          ? error.status === 401
            ? `The admin API refused the token${token ? '' : ' (enter one above)'}.`
            : error.message
          : String(error);
      err.textContent = message;
      hooks.error = message;
      hooks.members = [];
      $('members').tBodies[0].replaceChildren();
      $('cluster-summary').textContent = '';
    }
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = String(text);
    if (cls) td.className = cls;
    return td;
  }

  function render({ cluster, shards, replicas, mainThreadActors, at }) {
    hooks.members = cluster.members;
    $('cluster-summary').textContent =
      `${cluster.members.length} members · leader ${cluster.leader ?? 'none'} · ${cluster.converged ? 'converged' : 'not converged'} · as of ${at}`;
    $('members').tBodies[0].replaceChildren(
      ...cluster.members.map((m) => {
        const tr = document.createElement('tr');
        tr.dataset.node = m.node;
        const marks = [m.node === cluster.self ? 'self' : '', m.node === cluster.leader ? 'leader' : ''].filter(Boolean).join(', ');
        tr.append(
          cell(m.address),
          cell(m.status, m.status === 'up' ? 'up' : 'bad'),
          cell(m.reachable ? 'reachable' : 'unreachable', m.reachable ? 'up' : 'bad'),
          cell(m.incarnation),
          cell(m.upNumber),
          cell((m.roles ?? []).join(', ')),
          cell(shards ? (shards.owners[m.node] ?? 0) : 'n/a'),
          cell(marks),
        );
        return tr;
      }),
    );
    $('replicas').tBodies[0].replaceChildren(
      ...replicas.map((r) => {
        const tr = document.createElement('tr');
        tr.append(
          cell(r.name),
          cell(r.state, r.state === 'ready' ? 'up' : 'bad'),
          cell(r.offset),
          cell(r.head),
          cell(r.lag, r.lag > 0 ? 'bad' : 'up'),
        );
        return tr;
      }),
    );
    const here = shards
      ? ` Shards here: ${shards.here.active} active, ${shards.here.waiting + shards.here.releasing} in handoff; ${shards.entitiesHere} entities live on this node.`
      : ' This node does not shard.';
    $('node-extra').textContent = `Actors on this node's main thread: ${mainThreadActors ?? 'n/a'}.${here}`;
  }

  return {
    active(on) {
      clearInterval(timer);
      timer = null;
      if (on) {
        void poll();
        timer = setInterval(poll, 2_000);
      }
    },
  };
}
