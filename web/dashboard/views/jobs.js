// The job list: filters (state, type and queue by the server; text on the page it answered),
// sort, cursor paging, and a selection for bulk cancel or retry. The age filter is exact: the
// server lists newest first, so the jobs created in a window are the list's first pages, up to
// the first older job; paging stops there. (A server-side text search would scan the whole table
// for a word no job has: no request may cost that, so text stays on the page.)
import { get } from '../api.js';
import { h, clear, notice, table, badge, fmtTime, flashArea, button, TERMINAL } from '../dom.js';
import { watch } from '../live.js';
import { bulkAction } from './bulk.js';

const STATES = ['', 'PENDING', 'SCHEDULED', 'BLOCKED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'];
const SORTS = {
  newest: [(a, b) => b.created_at.localeCompare(a.created_at), 'Newest first'],
  oldest: [(a, b) => a.created_at.localeCompare(b.created_at), 'Oldest first'],
  updated: [(a, b) => b.updated_at.localeCompare(a.updated_at), 'Recently changed'],
  priority: [(a, b) => a.priority - b.priority, 'Priority (1 first)'],
  type: [(a, b) => a.type.localeCompare(b.type), 'Type'],
  state: [(a, b) => a.status.localeCompare(b.status), 'State'],
};
const SINCE = { '': 'Any time', 15: 'Last 15 min', 60: 'Last hour', 1440: 'Last 24 h', 10080: 'Last 7 days' };
const PAGE = 50;

export function render(root, route, ctx) {
  const p = route.params;
  const f = {
    state: p.get('state') || '', type: p.get('type') || '', queue: p.get('queue') || '',
    q: p.get('q') || '', since: p.get('since') || '', sort: p.get('sort') || 'newest',
  };
  const cursors = [null]; // the cursor of each page reached, for "Newer"
  const selected = new Set();
  let page = { jobs: [], next_cursor: null };

  const flash = flashArea();
  const form = filterForm(f, ctx);
  const bar = h('div', { class: 'bulk-bar' });
  const list = h('div');
  const pager = h('div', { class: 'pager' });
  root.append(h('h1', {}, 'Jobs'), form, flash, bar, list, pager);

  const visible = () => {
    const text = f.q.toLowerCase();
    const after = f.since ? Date.now() - Number(f.since) * 60000 : 0;
    return page.jobs
      .filter((j) => !text || searchText(j).includes(text))
      .filter((j) => !after || new Date(j.created_at).getTime() >= after)
      .sort(SORTS[f.sort]?.[0] || SORTS.newest[0]);
  };

  const draw = () => {
    const jobs = visible();
    const after = f.since ? Date.now() - Number(f.since) * 60000 : 0;
    const pastWindow = after > 0 && page.jobs.some((j) => new Date(j.created_at).getTime() < after);
    for (const id of selected) if (!page.jobs.some((j) => j.id === id)) selected.delete(id);
    clear(list, table(['', 'Job', 'State', 'Type', 'Queue', 'Try', 'Progress', 'Created', 'Error / message'],
      jobs.map((j) => jobRow(j, selected, draw)), { class: 'jobs', empty: 'No jobs match.' }));
    drawBulk(jobs);
    clear(pager,
      button('← Newer', () => { cursors.pop(); load(); }, 'ghost', cursors.length < 2),
      h('span', { class: 'muted' }, `page ${cursors.length} · ${jobs.length} shown of ${page.jobs.length} loaded`),
      button('Older →', () => { cursors.push(page.next_cursor); load(); }, 'ghost', !page.next_cursor || pastWindow));
  };

  const drawBulk = (jobs) => {
    const ids = [...selected];
    const all = h('input', { type: 'checkbox', name: 'select-all',
      checked: jobs.length > 0 && jobs.every((j) => selected.has(j.id)),
      onchange: (e) => { jobs.forEach((j) => (e.target.checked ? selected.add(j.id) : selected.delete(j.id))); draw(); } });
    const run = (action) => async (e) => {
      e.currentTarget.disabled = true;
      try {
        const r = await bulkAction(action, ids);
        flash.show(r.ok ? 'ok' : 'error', r.text);
        selected.clear();
        await load();
      } catch (err) {
        flash.show('error', err.message);
        drawBulk(jobs);
      }
    };
    clear(bar, h('label', { class: 'check' }, all, 'All shown'), h('span', {}, `${ids.length} selected`),
      button('Cancel selected', run('cancel'), '', !ids.length),
      button('Retry selected', run('retry'), '', !ids.length));
  };

  const load = async () => {
    const qs = new URLSearchParams({ limit: String(PAGE) });
    if (f.state) qs.set('status', f.state);
    if (f.type) qs.set('type', f.type);
    if (f.queue) qs.set('queue', f.queue);
    if (cursors.at(-1)) qs.set('cursor', cursors.at(-1));
    try {
      page = await get(`/jobs?${qs}`);
      draw();
    } catch (e) {
      clear(list, notice('error', e.message));
    }
  };
  load();
  return watch({ query: { type: f.type, queue: f.queue }, refresh: load });
}

function filterForm(f, ctx) {
  const state = h('select', { name: 'state', 'aria-label': 'state' },
    STATES.map((s) => h('option', { value: s, selected: s === f.state }, s || 'Any state')));
  const type = h('input', { name: 'type', value: f.type, placeholder: 'type', 'aria-label': 'type' });
  const queue = h('input', { name: 'queue', value: f.queue, placeholder: 'queue', 'aria-label': 'queue' });
  const q = h('input', { name: 'q', type: 'search', value: f.q, placeholder: 'text on this page', 'aria-label': 'text' });
  const since = h('select', { name: 'since', 'aria-label': 'created' },
    Object.entries(SINCE).map(([v, label]) => h('option', { value: v, selected: v === f.since }, label)));
  const sort = h('select', { name: 'sort', 'aria-label': 'sort' },
    Object.entries(SORTS).map(([v, [, label]]) => h('option', { value: v, selected: v === f.sort }, label)));
  const form = h('form', { class: 'filters' }, state, type, queue, q, since, sort,
    h('button', { type: 'submit', class: 'primary' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const qs = new URLSearchParams();
    for (const el of [state, type, queue, q, since, sort]) if (el.value.trim()) qs.set(el.name, el.value.trim());
    ctx.navigate(`#/jobs?${qs}`);
  });
  return form;
}

function jobRow(j, selected, draw) {
  const pick = h('input', { type: 'checkbox', checked: selected.has(j.id), 'aria-label': `select ${j.id}`,
    onchange: (e) => { if (e.target.checked) selected.add(j.id); else selected.delete(j.id); draw(); } });
  return h('tr', { dataset: { job: j.id, state: j.status } },
    h('td', {}, pick),
    h('td', {}, h('a', { href: `#/jobs/${j.id}`, class: 'mono', title: j.id }, j.id.slice(-12))),
    h('td', {}, badge(j.status)), h('td', { class: 'nowrap' }, j.type), h('td', { class: 'nowrap' }, j.queue),
    h('td', {}, `${j.attempt}/${j.max_attempts}`),
    h('td', {}, h('progress', { max: 100, value: j.progress ?? 0 })),
    h('td', { class: 'nowrap' }, fmtTime(j.created_at)),
    // A handler's last message ("sleeping") says nothing once the job has ended.
    h('td', { class: 'wrap clip' }, j.error || (TERMINAL.has(j.status) ? '' : j.message) || ''));
}

function searchText(j) {
  return [j.id, j.type, j.queue, j.status, j.error, j.message, j.correlation_id, j.idempotency_key,
    ...(j.tags || []), JSON.stringify(j.payload)].join(' ').toLowerCase();
}
