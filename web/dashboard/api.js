// The dashboard's one door to the API. The session cookie is HttpOnly and travels by itself
// (same origin); the CSRF token from the login answer or GET /session goes on every request
// that changes something, because the server refuses a cookie-only change without it.
const BASE = '/api/v1';
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
let onUnauthorized = () => {};

// An answer that is not 2xx, with the problem+json sentence the server wrote for people.
export class ApiError extends Error {
  constructor(status, detail, problemType) {
    super(detail);
    this.status = status;
    this.problemType = problemType || '';
  }
  // True when the server does not have the route at all (an older server), as opposed to a
  // missing job or schedule: only then does the page say "not available on this server".
  // A 405 counts too: POST /jobs/bulk on an older server lands on GET|DELETE /jobs/{id}.
  get routeMissing() {
    return (this.status === 404 && this.problemType.endsWith('/route-not-found'))
      || (this.status === 405 && this.problemType.endsWith('/method-not-allowed'));
  }
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function apiUrl(path) {
  return BASE + path;
}

async function problemOf(res) {
  const text = await res.text();
  try {
    const p = JSON.parse(text);
    return new ApiError(res.status, p.detail || p.title || `HTTP ${res.status}`, p.type);
  } catch {
    return new ApiError(res.status, text.trim() || `HTTP ${res.status} ${res.statusText}`);
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (CHANGES.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, `the server could not be reached (${e.message})`);
  }
  if (!res.ok) {
    const err = await problemOf(res);
    if (res.status === 401 && path !== '/login') onUnauthorized(err);
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => api('GET', path);

// Who is signed in: {authentication: false} on an open (loopback) server, else the subject,
// scopes and the CSRF token. A 401 means nobody is.
export async function loadSession() {
  const s = await api('GET', '/session');
  csrfToken = s.csrf_token || null;
  return s;
}

export async function login(credentials) {
  const s = await api('POST', '/login', credentials);
  csrfToken = s.csrf_token || null;
  return s;
}

export async function logout() {
  try {
    await api('POST', '/logout');
  } finally {
    csrfToken = null;
  }
}

// Every page of a cursor-paged list, up to `max` items, for views that group or count.
export async function getAll(path, key, max) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(path + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''));
    items.push(...page[key]);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return { items, truncated: Boolean(cursor) };
}
