// The processes sharing this store: role, leadership, last heartbeat, running jobs.
import { get } from '../api.js';
import { h, clear, notice, table, fmtTime, ageSince } from '../dom.js';
import { watch } from '../live.js';

export function render(root) {
  const body = h('div');
  root.append(h('h1', {}, 'Nodes'), body);
  const refresh = async () => {
    try {
      const { nodes } = await get('/nodes');
      clear(body, table(['Node', 'Role', 'Leader', 'Alive', 'Last heartbeat', 'Running jobs', 'Started'],
        nodes.map((n) => h('tr', {},
          h('th', { scope: 'row' }, n.name), h('td', {}, n.role),
          h('td', {}, n.leader ? h('span', { class: 'badge state-active' }, 'LEADER') : '—'),
          h('td', {}, h('span', { class: `badge ${n.alive ? 'state-succeeded' : 'state-failed'}` }, n.alive ? 'ALIVE' : 'GONE')),
          h('td', { title: fmtTime(n.last_seen_at) }, `${ageSince(n.last_seen_at)} ago`),
          h('td', {}, String(n.running_jobs)), h('td', { class: 'nowrap' }, fmtTime(n.started_at)))),
        { empty: 'No nodes have reported.' }));
    } catch (e) {
      clear(body, notice('error', e.message));
    }
  };
  refresh();
  // Heartbeats are not job events, so the ages are re-read on a timer as well.
  const timer = setInterval(refresh, 2000);
  const stop = watch({ refresh });
  return () => {
    clearInterval(timer);
    stop();
  };
}
