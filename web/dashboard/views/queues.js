// Every queue with its depth, running jobs, oldest waiting age, weight and limits; pause,
// resume, and an edit of weight and concurrency limit (PATCH /queues/{name}).
import { api, get } from '../api.js';
import { h, clear, notice, table, fmtAge, flashArea, act, button } from '../dom.js';
import { watch } from '../live.js';

export function render(root) {
  const flash = flashArea();
  const body = h('div');
  root.append(h('h1', {}, 'Queues'), flash, body);

  // A live re-read would drop an open edit form: it waits until the form is saved.
  const refresh = async (force) => {
    if (force !== true && body.querySelector('tr.editor')) return;
    try {
      const { queues } = await get('/queues');
      // An edit opened while this read was on its way is kept too.
      if (force !== true && body.querySelector('tr.editor')) return;
      clear(body, table(
        ['Queue', 'State', 'Waiting', 'Running', 'Oldest waiting', 'Done / min', 'Weight', 'Limit', 'Rate limit', ''],
        queues.map((q) => row(q, flash, refresh)), { class: 'queues', empty: 'No queues yet.' }));
    } catch (e) {
      clear(body, notice('error', e.message));
    }
  };
  refresh();
  return watch({ refresh });
}

function row(q, flash, refresh) {
  const d = q.depth || {};
  const waiting = (d.pending || 0) + (d.scheduled || 0) + (d.retrying || 0);
  const path = `/queues/${encodeURIComponent(q.name)}`;
  const toggle = button(q.paused ? 'Resume' : 'Pause', (e) => act(e.currentTarget, flash, async () => {
    await api('POST', `${path}/${q.paused ? 'resume' : 'pause'}`);
    await refresh(true);
  }, `Queue ${q.name} ${q.paused ? 'resumed' : 'paused'}.`), q.paused ? 'primary' : '');
  toggle.dataset.queue = q.name;
  const edit = button('Edit', () => tr.after(editor(q, path, flash, refresh)), 'ghost');
  const tr = h('tr', { dataset: { queue: q.name } },
    h('th', { scope: 'row' }, h('a', { href: `#/jobs?queue=${encodeURIComponent(q.name)}` }, q.name)),
    h('td', {}, h('span', { class: `badge ${q.paused ? 'state-paused' : 'state-active'}` }, q.paused ? 'PAUSED' : 'ACTIVE')),
    h('td', { title: `pending ${d.pending || 0}, scheduled ${d.scheduled || 0}, retrying ${d.retrying || 0}` }, String(waiting)),
    h('td', {}, String(q.running ?? 0)),
    h('td', {}, fmtAge(q.oldest_waiting_age_s)),
    h('td', {}, String(q.throughput_per_minute ?? 0)),
    h('td', {}, String(q.weight)),
    h('td', {}, q.concurrency_limit === null ? '—' : String(q.concurrency_limit)),
    h('td', {}, q.rate_limit ? q.rate_limit.rate : '—'),
    h('td', { class: 'actions' }, toggle, edit));
  return tr;
}

function editor(q, path, flash, refresh) {
  const weight = h('input', { type: 'number', min: 1, max: 1000, value: String(q.weight), 'aria-label': 'weight' });
  const limit = h('input', { type: 'number', min: 1, value: q.concurrency_limit ?? '', placeholder: 'none', 'aria-label': 'concurrency limit' });
  const save = button('Save', (e) => act(e.currentTarget, flash, async () => {
    await api('PATCH', path, {
      weight: Number(weight.value),
      concurrency_limit: limit.value === '' ? null : Number(limit.value),
    });
    await refresh(true);
  }, `Queue ${q.name} saved.`), 'primary');
  return h('tr', { class: 'editor' }, h('td', { colspan: 10 },
    h('div', { class: 'inline-form' }, h('label', {}, 'Weight', weight), h('label', {}, 'Concurrency limit', limit), save)));
}
