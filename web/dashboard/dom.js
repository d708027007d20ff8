// Building the DOM from data. Every string from the server goes in as a text node or an
// attribute value, never as markup, so a job's payload cannot inject anything into the page.

// h('a', {href: '#/jobs', class: 'x', onclick: fn}, 'text', child) → element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A table; on a narrow screen each row becomes a card whose cells are labelled with their
// column's header (data-label, shown by style.css).
export function table(headers, rows, opts = {}) {
  for (const row of rows) {
    [...row.children].forEach((cell, i) => {
      if (typeof headers[i] === 'string' && headers[i]) cell.dataset.label = headers[i];
    });
  }
  return h('div', { class: 'table-wrap' },
    h('table', { class: opts.class || '' },
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.length ? rows
        : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, opts.empty || 'Nothing here.')))));
}

export function badge(state) {
  const s = String(state || '').toUpperCase();
  return h('span', { class: `badge state-${s.toLowerCase()}` }, s || '—');
}

export function notice(kind, text) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// A message area that views reuse for the outcome of an action.
export function flashArea() {
  const el = h('div', { class: 'flash', 'aria-live': 'polite' });
  el.show = (kind, text) => clear(el, notice(kind, text));
  el.hide = () => clear(el);
  return el;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function fmtAge(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Number(seconds));
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function ageSince(iso) {
  return iso ? fmtAge((Date.now() - new Date(iso).getTime()) / 1000) : '—';
}

export function json(value) {
  return h('pre', { class: 'json' }, value === undefined ? '' : JSON.stringify(value, null, 2));
}

export function button(label, onclick, cls = '', disabled = false) {
  return h('button', { type: 'button', class: cls, onclick, disabled }, label);
}

// Runs an action from a button: disables it meanwhile and reports the outcome in `flash`.
export async function act(btn, flash, fn, okText) {
  btn.disabled = true;
  try {
    await fn();
    if (okText) flash.show('ok', okText);
  } catch (e) {
    flash.show('error', e.message);
  } finally {
    btn.disabled = false;
  }
}

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED']);
export const RETRYABLE = new Set(['FAILED', 'CANCELLED', 'EXPIRED']);
