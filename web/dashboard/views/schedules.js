// Cron schedules: their next runs, pause / resume (PATCH {paused}) and "run now".
import { api, get, getAll } from '../api.js';
import { h, clear, notice, table, badge, fmtTime, flashArea, act, button } from '../dom.js';
import { watch } from '../live.js';

export function render(root) {
  const flash = flashArea();
  const body = h('div');
  root.append(h('h1', {}, 'Schedules'), flash, body);

  const refresh = async () => {
    try {
      const { items } = await getAll('/schedules?limit=1000', 'schedules', 10000);
      const withRuns = await Promise.all(items.slice(0, 100).map((s) =>
        get(`/schedules/${encodeURIComponent(s.name)}`).catch(() => s)));
      clear(body, table(['Schedule', 'Cron', 'Job', 'State', 'Next runs', 'Last run', ''],
        [...withRuns, ...items.slice(100)].map((s) => row(s, flash, refresh)), { class: 'schedules', empty: 'No schedules.' }));
    } catch (e) {
      clear(body, notice('error', e.message));
    }
  };
  refresh();
  return watch({ refresh, minGapMs: 2000 });
}

function row(s, flash, refresh) {
  const path = `/schedules/${encodeURIComponent(s.name)}`;
  const runs = s.next_runs ? s.next_runs.map((r) => r.local || r.at) : [s.next_run_at];
  const toggle = button(s.paused ? 'Resume' : 'Pause', (e) => act(e.currentTarget, flash, async () => {
    await api('PATCH', path, { paused: !s.paused });
    await refresh();
  }, `Schedule ${s.name} ${s.paused ? 'resumed' : 'paused'}.`), s.paused ? 'primary' : '');
  const run = button('Run now', (e) => act(e.currentTarget, flash, async () => {
    try {
      const answer = await api('POST', `${path}/run`);  // {schedule, is_new, job}
      flash.show('ok', `Schedule ${s.name} made job ${answer.job.id}.`);
    } catch (err) {
      if (err.routeMissing) throw new Error('"Run now" is not available on this server: it has no POST /api/v1/schedules/{name}/run.');
      throw err;
    }
  }));
  return h('tr', { dataset: { schedule: s.name } },
    h('th', { scope: 'row' }, s.name),
    h('td', { class: 'mono' }, s.cron, h('div', { class: 'muted' }, s.timezone)),
    h('td', {}, s.job?.type || '—', s.job?.queue ? h('div', { class: 'muted' }, s.job.queue) : null),
    h('td', {}, s.paused ? badge('PAUSED') : badge('ACTIVE')),
    h('td', {}, h('ul', { class: 'plain' }, runs.filter(Boolean).map((r) => h('li', { class: 'nowrap' }, fmtLocal(r))))),
    h('td', { class: 'nowrap' }, fmtTime(s.last_run_at)),
    h('td', { class: 'actions' }, toggle, run));
}

// next_runs carry the schedule's own local time ("2026-12-05T02:30:00-05:00"): shown as written
// there, since that is the wall clock the cron expression speaks.
function fmtLocal(text) {
  return String(text).replace('T', ' ').replace(/:00(\.000)?(?=[-+Z])/, '').replace(/Z$/, ' UTC');
}
