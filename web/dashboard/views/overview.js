// Counts by state, and throughput and failure rate over the last hour (uPlot, from
// GET /stats/history; an older server without that route gets a sentence, not made-up data).
import { get } from '../api.js';
import { h, clear, notice, fmtTime, table } from '../dom.js';
import { watch } from '../live.js';

const STATES = ['PENDING', 'SCHEDULED', 'BLOCKED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'];

export function render(root) {
  const counts = h('div', { class: 'counts' });
  const charts = h('div', { class: 'charts' });
  const failures = h('div');
  const err = h('div');
  root.append(h('h1', {}, 'Overview'), err, counts,
    h('h2', {}, 'The last hour'), charts, h('h2', {}, 'Recent failures'), failures);

  let plots = [];
  const resize = () => plots.forEach((p) => p.setSize(chartSize(charts)));
  window.addEventListener('resize', resize);
  // uPlot paints with the colours it was made with: new colours need new charts.
  const recolour = () => {
    plots.forEach((p) => p.destroy());
    plots = [];
    refresh();
  };
  window.addEventListener('themechange', recolour);

  // One read at a time: two overlapping reads would each make a pair of charts.
  let running = null;
  let again = false;
  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = read();
    await running;
    running = null;
    if (again) {
      again = false;
      refresh();
    }
  };
  const read = async () => {
    try {
      const stats = await get('/admin/stats');
      clear(err);
      clear(counts, STATES.map((s) => h('a', { class: `count state-${s.toLowerCase()}`, href: `#/jobs?state=${s}` },
        h('span', { class: 'count-n' }, String(stats.status_breakdown[s] ?? 0)), h('span', { class: 'count-label' }, s))),
      h('div', { class: 'count total' }, h('span', { class: 'count-n' }, String(stats.total)), h('span', { class: 'count-label' }, 'TOTAL')));
      clear(failures, table(['Job', 'Type', 'Error', 'Attempts', 'Failed at'],
        stats.recent_failures.map((f) => h('tr', {},
          h('td', {}, h('a', { href: `#/jobs/${f.job_id}`, class: 'mono' }, f.job_id.slice(-12))),
          h('td', {}, f.type), h('td', { class: 'wrap' }, f.error || ''), h('td', {}, String(f.attempts)),
          h('td', {}, fmtTime(f.failed_at)))), { empty: 'No failed jobs.' }));
      plots = await drawCharts(charts, plots);
    } catch (e) {
      clear(err, notice('error', e.message));
    }
  };
  refresh();
  const stop = watch({ refresh, minGapMs: 2000 });
  return () => {
    stop();
    window.removeEventListener('resize', resize);
    window.removeEventListener('themechange', recolour);
    plots.forEach((p) => p.destroy());
  };
}

function chartSize(box) {
  const width = Math.max(260, Math.min(box.clientWidth, 1200) - 2);
  return { width: box.clientWidth > 900 ? Math.floor(width / 2) - 12 : width, height: 220 };
}

async function drawCharts(box, old) {
  let history;
  try {
    history = await get('/stats/history?minutes=60');
  } catch (e) {
    old.forEach((p) => p.destroy());
    clear(box, notice('info', e.routeMissing
      ? 'Charts are not available on this server: it has no GET /api/v1/stats/history.'
      : `Charts could not be loaded: ${e.message}`));
    return [];
  }
  if (!window.uPlot) {
    clear(box, notice('error', 'The chart library (assets/uPlot.iife.min.js) did not load.'));
    return [];
  }
  const b = history.buckets;
  const x = b.map((k) => k.at / 1000);
  const rate = b.map((k) => (k.succeeded + k.failed ? (100 * k.failed) / (k.succeeded + k.failed) : null));
  const data = [
    ['Throughput per minute', [x, b.map((k) => k.created), b.map((k) => k.succeeded), b.map((k) => k.failed), b.map((k) => k.retried)],
      [['created', '--c-created'], ['succeeded', '--c-ok'], ['failed', '--c-bad'], ['retried', '--c-warn']]],
    ['Failure rate (% of finished)', [x, rate], [['failure rate %', '--c-bad']]],
  ];
  if (old.length === data.length) {
    old.forEach((p, i) => p.setData(data[i][1]));
    return old;
  }
  old.forEach((p) => p.destroy());
  clear(box);
  const css = getComputedStyle(document.documentElement);
  const axis = { stroke: css.getPropertyValue('--fg-muted').trim(), grid: { stroke: css.getPropertyValue('--border').trim() } };
  return data.map(([title, series, names]) => {
    const holder = h('figure', { class: 'chart card' });
    box.append(holder);
    return new window.uPlot({
      title, ...chartSize(box),
      series: [{}, ...names.map(([label, color]) => ({ label, stroke: css.getPropertyValue(color).trim(), width: 2, spanGaps: false }))],
      axes: [axis, axis],
      scales: { y: { range: (u, min, max) => [0, Math.max(max || 0, 1)] } },
    }, series, holder);
  });
}
