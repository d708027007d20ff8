// A form generated from a job type's JSON Schema: strings, numbers, integers, booleans,
// enums, arrays of scalars and nested objects. Anything else (oneOf, arrays of objects, no
// type) becomes a JSON box for that one field, so every schema can still be filled in.
import { h, button } from './dom.js';

// → {el, read()}; read() returns the payload or throws an Error naming the field.
export function schemaForm(schema) {
  const root = field(schema || {}, 'payload', true, 'payload');
  return { el: root.el, read: () => root.read() ?? {} };
}

function typeOf(schema) {
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (schema.enum) return 'enum';
  if (!t && schema.properties) return 'object';
  return t || 'json';
}

function field(schema, name, required, path) {
  const kind = typeOf(schema);
  if (kind === 'object' && schema.properties) return objectField(schema, name, path);
  if (kind === 'array' && isScalar(schema.items)) return arrayField(schema, name, required, path);
  const input = scalarInput(schema, kind, required, path);
  const label = h('label', { class: 'field' },
    h('span', { class: 'field-name' }, name, required ? h('abbr', { title: 'required' }, ' *') : null),
    input.el, schema.description ? h('small', { class: 'muted' }, schema.description) : null);
  return { el: label, read: input.read };
}

function isScalar(items) {
  return items && ['string', 'number', 'integer', 'boolean', 'enum'].includes(typeOf(items));
}

function objectField(schema, name, path) {
  const required = new Set(schema.required || []);
  const fields = Object.entries(schema.properties).map(([k, sub]) => [k, field(sub, k, required.has(k), `${path}.${k}`)]);
  const el = path === 'payload'
    ? h('div', { class: 'stack' }, fields.map(([, f]) => f.el))
    : h('fieldset', {}, h('legend', {}, name), fields.map(([, f]) => f.el));
  return {
    el,
    read() {
      const out = {};
      for (const [k, f] of fields) {
        const v = f.read();
        if (v !== undefined) out[k] = v;
      }
      return out;
    },
  };
}

function arrayField(schema, name, required, path) {
  const rows = h('div', { class: 'array-rows' });
  const items = [];
  const add = (value) => {
    const input = scalarInput({ ...schema.items, default: value }, typeOf(schema.items), true, `${path}[]`);
    const row = h('div', { class: 'array-row' }, input.el,
      button('Remove', () => { row.remove(); items.splice(items.indexOf(input), 1); }, 'ghost'));
    items.push(input);
    rows.append(row);
  };
  (Array.isArray(schema.default) ? schema.default : []).forEach(add);
  const el = h('div', { class: 'field' },
    h('span', { class: 'field-name' }, name, required ? h('abbr', { title: 'required' }, ' *') : null),
    rows, button('Add item', () => add(undefined), 'ghost'),
    schema.description ? h('small', { class: 'muted' }, schema.description) : null);
  return {
    el,
    read() {
      if (!items.length && !required) return undefined;
      return items.map((i, n) => {
        const v = i.read();
        if (v === undefined) throw new Error(`${path}[${n}] is empty`);
        return v;
      });
    },
  };
}

function scalarInput(schema, kind, required, path) {
  const def = schema.default;
  if (kind === 'enum') {
    const el = h('select', {}, required ? null : h('option', { value: '' }, '(not set)'),
      schema.enum.map((v, i) => h('option', { value: String(i), selected: v === def }, typeof v === 'string' ? v : JSON.stringify(v))));
    return { el, read: () => (el.value === '' ? undefined : schema.enum[Number(el.value)]) };
  }
  if (kind === 'boolean') {
    const el = h('select', {}, required ? null : h('option', { value: '' }, '(not set)'),
      h('option', { value: 'true', selected: def === true }, 'true'),
      h('option', { value: 'false', selected: def === false }, 'false'));
    return { el, read: () => (el.value === '' ? undefined : el.value === 'true') };
  }
  if (kind === 'number' || kind === 'integer') {
    const el = h('input', { type: 'number', step: kind === 'integer' ? '1' : 'any', min: schema.minimum, max: schema.maximum, value: def ?? '' });
    return {
      el,
      read() {
        if (el.value.trim() === '') return required ? fail(path, 'is required') : undefined;
        const n = Number(el.value);
        if (!Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) return fail(path, `must be ${kind === 'integer' ? 'a whole number' : 'a number'}`);
        return n;
      },
    };
  }
  if (kind === 'string') {
    const el = h('input', { type: schema.format === 'email' ? 'email' : 'text', value: def ?? '', placeholder: schema.format || '' });
    return { el, read: () => (el.value === '' ? (required ? fail(path, 'is required') : undefined) : el.value) };
  }
  const el = h('textarea', { rows: 3, class: 'mono', placeholder: 'JSON' }, def === undefined ? '' : JSON.stringify(def));
  return {
    el,
    read() {
      if (el.value.trim() === '') return required ? fail(path, 'is required (JSON)') : undefined;
      try {
        return JSON.parse(el.value);
      } catch (e) {
        return fail(path, `is not JSON: ${e.message}`);
      }
    },
  };
}

function fail(path, what) {
  throw new Error(`${path} ${what}`);
}
