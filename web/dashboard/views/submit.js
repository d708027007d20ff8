// Submit a job: pick a type, fill the form made from its payload schema (GET /types), or write
// the payload as raw JSON. A server without /types still takes a type name and raw JSON.
import { api, get } from '../api.js';
import { h, clear, notice, flashArea } from '../dom.js';
import { schemaForm } from '../schema_form.js';

export function render(root, route, ctx) {
  const flash = flashArea();
  const typeBox = h('div');
  const formBox = h('div', { class: 'payload-form' });
  const raw = h('textarea', { name: 'payload', rows: 8, class: 'mono', 'aria-label': 'payload JSON' }, '{}');
  const rawBox = h('label', { class: 'field', hidden: true }, h('span', { class: 'field-name' }, 'Payload (JSON)'), raw);
  const useRaw = h('input', { type: 'checkbox', name: 'raw' });
  const rawToggle = h('label', { class: 'check', hidden: true }, useRaw, ' Write the payload as raw JSON');
  const queue = h('input', { name: 'queue', placeholder: 'default' });
  const priority = h('input', { name: 'priority', type: 'number', min: 1, max: 10, placeholder: '5' });
  const maxAttempts = h('input', { name: 'max_attempts', type: 'number', min: 1, max: 100, placeholder: 'server default' });
  const delay = h('input', { name: 'delay', type: 'number', min: 0, step: 'any', placeholder: '0' });
  const form = h('form', { class: 'stack submit-form' },
    typeBox, rawToggle, formBox, rawBox,
    h('details', {}, h('summary', {}, 'Options'), h('div', { class: 'grid' },
      h('label', {}, 'Queue', queue), h('label', {}, 'Priority (1 runs first)', priority),
      h('label', {}, 'Max attempts', maxAttempts), h('label', {}, 'Delay (s)', delay))),
    h('button', { type: 'submit', class: 'primary' }, 'Submit job'));
  root.append(h('h1', {}, 'Submit a job'), flash, form);

  let types = null;
  let typed = null; // {el, read} of the schema form in use
  let typeInput;

  const showForm = () => {
    const t = types?.find((x) => x.type === typeInput.value);
    typed = t && t.payload_schema ? schemaForm(t.payload_schema) : null;
    clear(formBox, typed ? typed.el : null);
    const rawOnly = !typed || useRaw.checked;
    rawToggle.hidden = !typed;
    formBox.hidden = rawOnly;
    rawBox.hidden = !rawOnly;
  };
  useRaw.addEventListener('change', () => {
    if (useRaw.checked && typed) {
      try {
        raw.value = JSON.stringify(typed.read(), null, 2);
      } catch { /* an incomplete form: the JSON box keeps what it had */ }
    }
    showForm();
  });

  get('/types').then((answer) => {
    types = (Array.isArray(answer) ? answer : answer.types || []).slice().sort((a, b) => a.type.localeCompare(b.type));
    typeInput = h('select', { name: 'type', 'aria-label': 'type', onchange: showForm },
      types.map((t) => h('option', { value: t.type, selected: t.type === route.params.get('type') }, t.type)));
    clear(typeBox, h('label', { class: 'field' }, h('span', { class: 'field-name' }, 'Type'), typeInput));
    showForm();
  }).catch((e) => {
    typeInput = h('input', { name: 'type', 'aria-label': 'type', required: true, value: route.params.get('type') || '', placeholder: 'square_sum' });
    clear(typeBox, notice('info', e.routeMissing
      ? 'Forms from payload schemas are not available on this server (it has no GET /api/v1/types): name the type and write the payload as JSON.'
      : `The job types could not be loaded (${e.message}): name the type and write the payload as JSON.`),
    h('label', { class: 'field' }, h('span', { class: 'field-name' }, 'Type'), typeInput));
    showForm();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    let body;
    try {
      body = { type: typeInput.value.trim(), payload: payloadOf() };
      if (queue.value.trim()) body.queue = queue.value.trim();
      if (priority.value) body.priority = Number(priority.value);
      if (maxAttempts.value) body.max_attempts = Number(maxAttempts.value);
      if (delay.value) body.delay = Number(delay.value);
    } catch (err) {
      flash.show('error', err.message);
      return;
    }
    btn.disabled = true;
    try {
      const job = await api('POST', '/jobs', body);
      ctx.navigate(`#/jobs/${job.id}`);
    } catch (err) {
      flash.show('error', `Not submitted: ${err.message}`);
    } finally {
      btn.disabled = false;
    }
  });

  function payloadOf() {
    if (typed && !useRaw.checked) return typed.read();
    try {
      return JSON.parse(raw.value || '{}');
    } catch (err) {
      throw new Error(`The payload is not JSON: ${err.message}`);
    }
  }
}
