// One job: its fields, live progress, why it waits, the event timeline, webhook deliveries
// (with redeliver), the artifact, and cancel / retry.
import { api, get, apiUrl } from '../api.js';
import { h, clear, notice, badge, fmtTime, json, table, flashArea, act, button, TERMINAL, RETRYABLE } from '../dom.js';
import { watch } from '../live.js';

export function render(root, route) {
  const id = route.arg;
  const path = `/jobs/${encodeURIComponent(id)}`;
  const flash = flashArea();
  const head = h('div', { class: 'job-head' });
  const progress = h('progress', { max: 100, value: 0, id: 'job-progress' });
  const progressText = h('span', { class: 'progress-text' });
  const fields = h('div');
  const timeline = h('div');
  const deliveries = h('div');
  root.append(h('p', {}, h('a', { href: '#/jobs' }, '← Jobs')), head, flash,
    h('div', { class: 'progress-row' }, progress, progressText), fields,
    h('h2', {}, 'Timeline'), timeline, h('h2', {}, 'Webhook deliveries'), deliveries);

  const showProgress = (value, message, step) => {
    progress.value = Number(value) || 0;
    progressText.textContent = `${Number(value || 0).toFixed(0)} %${step ? ` · ${step}` : ''}${message ? ` · ${message}` : ''}`;
  };

  const refresh = async () => {
    let job;
    try {
      job = await get(path);
    } catch (e) {
      clear(head, h('h1', {}, 'Job'), notice('error', e.message));
      return;
    }
    drawHead(head, job, path, flash, refresh);
    showProgress(job.progress, job.message, job.current_step);
    clear(fields, details(job, path));
    loadTimeline(timeline, path);
    loadDeliveries(deliveries, path, flash);
  };
  refresh();
  return watch({
    query: { job_id: id },
    onProgress: (ev) => ev.job_id === id && showProgress(ev.progress, ev.message, ev.step),
    refresh,
  });
}

function drawHead(head, job, path, flash, refresh) {
  const actions = [];
  if (!TERMINAL.has(job.status)) {
    actions.push(button(job.cancel_requested ? 'Cancel requested' : 'Cancel', (e) =>
      act(e.currentTarget, flash, async () => { await api('DELETE', path); await refresh(); }, 'Cancel sent.'),
    'danger', job.cancel_requested));
  }
  if (RETRYABLE.has(job.status)) {
    actions.push(button('Retry', (e) =>
      act(e.currentTarget, flash, async () => { await api('POST', `${path}/retry`); await refresh(); }, 'Job put back to PENDING.'), 'primary'));
  }
  if (job.result_ref) {
    actions.push(h('a', { class: 'button', href: apiUrl(`${path}/artifact`), download: '' }, 'Download artifact'));
  }
  clear(head, h('h1', {}, job.type, ' ', badge(job.status)),
    h('p', { class: 'mono muted' }, job.id), h('div', { class: 'actions' }, actions));
}

function details(job, path) {
  const wr = job.waiting_reason;
  const rows = [
    ['Queue', h('a', { href: `#/jobs?queue=${encodeURIComponent(job.queue)}` }, job.queue)],
    ['Attempt', `${job.attempt} of ${job.max_attempts}`], ['Priority', String(job.priority)],
    ['Waiting because', wr ? `${wr.detail || wr.code}${wr.until ? ` (until ${fmtTime(wr.until)})` : ''}` : '—'],
    ['Created', fmtTime(job.created_at)], ['Run at', fmtTime(job.run_at)], ['Started', fmtTime(job.started_at)],
    ['Finished', fmtTime(job.finished_at)], ['Expires', fmtTime(job.expires_at)], ['Timeout', `${job.timeout_s} s`],
    ['Correlation id', job.correlation_id || '—'], ['Idempotency key', job.idempotency_key || '—'],
    ['Tenant', job.tenant || '—'], ['Tags', (job.tags || []).join(', ') || '—'],
    ['Depends on', (job.depends_on || []).length ? job.depends_on.map((d) => h('a', { href: `#/jobs/${d}`, class: 'mono' }, d.slice(-12), ' ')) : '—'],
    ['Webhook', job.webhook_url || '—'],
  ];
  return [
    h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    job.error ? [h('h2', {}, 'Error'), h('pre', { class: 'json error-text' }, job.error)] : null,
    h('div', { class: 'two' },
      h('section', {}, h('h2', {}, 'Payload'), json(job.payload)),
      h('section', {}, h('h2', {}, 'Result'), job.result_ref
        ? h('p', {}, 'Stored as ', h('a', { href: apiUrl(`${path}/artifact`) }, job.result_ref))
        : json(job.result))),
  ];
}

async function loadTimeline(box, path) {
  try {
    const { events } = await get(`${path}/events`);
    clear(box, h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
      h('time', {}, fmtTime(e.at)), ' ', e.from ? [badge(e.from), ' → '] : null, badge(e.to),
      h('span', { class: 'muted' }, ` attempt ${e.attempt}`), e.message ? h('div', { class: 'wrap' }, e.message) : null))));
  } catch (e) {
    clear(box, notice('error', e.message));
  }
}

async function loadDeliveries(box, path, flash) {
  try {
    const { deliveries } = await get(`${path}/deliveries`);
    clear(box, table(['#', 'Event', 'URL', 'State', 'Attempts', 'Last answer', ''],
      deliveries.map((d) => h('tr', {},
        h('td', {}, String(d.n)), h('td', {}, d.event), h('td', { class: 'wrap' }, d.url), h('td', {}, d.state),
        h('td', {}, String(d.attempts)), h('td', { class: 'wrap' }, d.last_error || (d.last_status ?? '—')),
        h('td', {}, button('Redeliver', (e) => act(e.currentTarget, flash, async () => {
          const made = await api('POST', `${path}/deliveries/${d.n}/redeliver`);
          await loadDeliveries(box, path, flash);
          flash.show('ok', `Sent again as delivery ${made.n}.`);
        }))))), { empty: 'No webhook deliveries (the job has no webhook_url).' }));
  } catch (e) {
    clear(box, notice('error', e.message));
  }
}
