// The dead-letter view: FAILED jobs grouped by their error text, largest group first, each
// with its types, newest failure and a bulk retry of the whole group.
import { getAll } from '../api.js';
import { h, clear, notice, table, fmtTime, flashArea, button } from '../dom.js';
import { watch } from '../live.js';
import { bulkAction } from './bulk.js';

const MAX_JOBS = 10000;

export function render(root) {
  const flash = flashArea();
  const body = h('div');
  root.append(h('h1', {}, 'Failed jobs'), flash, body);

  const refresh = async () => {
    try {
      const { items, truncated } = await getAll('/jobs?status=FAILED&limit=1000', 'jobs', MAX_JOBS);
      const groups = groupByError(items);
      clear(body,
        truncated ? notice('info', `Showing the newest ${items.length} failed jobs.`) : null,
        table(['Error', 'Jobs', 'Types', 'Newest failure', ''],
          groups.map((g) => groupRow(g, flash, refresh)), { class: 'failed', empty: 'No failed jobs.' }));
    } catch (e) {
      clear(body, notice('error', e.message));
    }
  };
  refresh();
  return watch({ refresh, minGapMs: 2000 });
}

function groupByError(jobs) {
  const byError = new Map();
  for (const j of jobs) {
    const key = j.error || '(no error text)';
    if (!byError.has(key)) byError.set(key, []);
    byError.get(key).push(j);
  }
  return [...byError].map(([error, list]) => ({ error, jobs: list })).sort((a, b) => b.jobs.length - a.jobs.length);
}

function groupRow(g, flash, refresh) {
  const types = [...new Set(g.jobs.map((j) => j.type))];
  const newest = g.jobs.reduce((m, j) => ((j.finished_at || '') > m ? j.finished_at : m), '');
  const retry = button(`Retry ${g.jobs.length}`, async () => {
    retry.disabled = true;
    try {
      const r = await bulkAction('retry', g.jobs.map((j) => j.id));
      flash.show(r.ok ? 'ok' : 'error', r.text);
      await refresh();
    } catch (err) {
      flash.show('error', err.message);
      retry.disabled = false;
    }
  }, 'primary');
  const jobs = h('details', {}, h('summary', {}, 'jobs'),
    h('ul', { class: 'plain' }, g.jobs.slice(0, 50).map((j) => h('li', {}, h('a', { href: `#/jobs/${j.id}`, class: 'mono' }, j.id.slice(-12)), ` ${j.type}`))));
  return h('tr', { dataset: { error: g.error } },
    h('td', { class: 'wrap' }, h('div', { class: 'error-text' }, g.error), jobs),
    h('td', {}, h('strong', {}, String(g.jobs.length))),
    h('td', { class: 'wrap' }, types.join(', ')),
    h('td', { class: 'nowrap' }, fmtTime(newest)),
    h('td', { class: 'actions' }, retry));
}
