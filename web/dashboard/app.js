// The shell: who is signed in, the navigation, the theme, and a router on location.hash
// (#/jobs?state=FAILED, #/jobs/<id>) that mounts one view at a time and unmounts the last,
// so a view's live subscription ends when the user leaves it.
import * as api from './api.js';
import { clear, notice, h } from './dom.js';
import { onLiveStatus } from './live.js';

const VIEWS = {
  overview: () => import('./views/overview.js'),
  queues: () => import('./views/queues.js'),
  jobs: () => import('./views/jobs.js'),
  job: () => import('./views/job.js'),
  failed: () => import('./views/failed.js'),
  schedules: () => import('./views/schedules.js'),
  nodes: () => import('./views/nodes.js'),
  submit: () => import('./views/submit.js'),
  login: () => import('./views/login.js'),
};
const NAV = [
  ['overview', 'Overview'], ['queues', 'Queues'], ['jobs', 'Jobs'], ['failed', 'Failed'],
  ['schedules', 'Schedules'], ['nodes', 'Nodes'], ['submit', 'Submit'],
];
const THEMES = ['auto', 'light', 'dark'];

let session = null;
let unmount = null;
let routeSeq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const parts = path.split('/').filter(Boolean);
  return {
    name: parts[0] || 'overview',
    arg: parts[1] ? decodeURIComponent(parts[1]) : null,
    params: new URLSearchParams(qs || ''),
    hash: location.hash || '#/overview',
  };
}

const ctx = {
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  signedIn(s) {
    session = s;
    renderHeader();
  },
  get session() {
    return session;
  },
};

async function route() {
  const seq = ++routeSeq;
  if (unmount) unmount();
  unmount = null;
  const r = parseHash();
  if (!session && r.name !== 'login') {
    ctx.navigate(`#/login?next=${encodeURIComponent(r.hash)}`);
    return;
  }
  const name = r.name === 'jobs' && r.arg ? 'job' : r.name;
  const root = document.getElementById('view');
  if (!VIEWS[name]) {
    clear(root, notice('error', `There is no view "${r.name}".`));
    return;
  }
  const mod = await VIEWS[name]();
  if (seq !== routeSeq) return;
  clear(root);
  document.title = `${name[0].toUpperCase()}${name.slice(1)} · Conveyor`;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.view === (name === 'job' ? 'jobs' : name));
  }
  unmount = mod.render(root, r, ctx) || null;
}

function renderHeader() {
  const nav = document.getElementById('nav');
  clear(nav, NAV.map(([v, label]) => h('a', { href: `#/${v}`, dataset: { view: v } }, label)));
  nav.hidden = !session;
  const who = document.getElementById('who');
  const out = document.getElementById('logout');
  if (!session) {
    who.textContent = '';
    out.hidden = true;
  } else if (session.authentication === false) {
    who.textContent = 'open server';
    who.title = 'This server runs without authentication (loopback development server)';
    out.hidden = true;
  } else {
    who.textContent = session.subject + (session.tenant ? ` · ${session.tenant}` : '');
    who.title = `scopes: ${(session.scopes || []).join(', ')}`;
    out.hidden = false;
  }
}

function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  const button = document.getElementById('theme');
  button.textContent = `◐ ${theme}`;
  button.setAttribute('aria-label', `Theme: ${theme}`);
  localStorage.setItem('conveyor-theme', theme);
  window.dispatchEvent(new Event('themechange'));
}

function setupChrome() {
  applyTheme(THEMES.includes(localStorage.getItem('conveyor-theme'))
    ? localStorage.getItem('conveyor-theme') : 'auto');
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => window.dispatchEvent(new Event('themechange')));
  document.getElementById('theme').addEventListener('click', () => {
    const now = localStorage.getItem('conveyor-theme') || 'auto';
    applyTheme(THEMES[(THEMES.indexOf(now) + 1) % THEMES.length]);
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api.logout().catch(() => {});
    session = null;
    renderHeader();
    ctx.navigate('#/login');
  });
  const status = document.getElementById('live-status');
  onLiveStatus((s) => {
    status.textContent = { live: '● live', polling: '◌ polling', reconnecting: '◌ reconnecting' }[s];
    status.title = { live: 'Updated by Server-Sent Events', polling: 'This server has no event stream: re-read every 2 s', reconnecting: 'The event stream dropped; reconnecting' }[s];
    status.className = `live-status ${s}`;
  });
  api.setUnauthorizedHandler(() => {
    if (!session) return;
    session = null;
    renderHeader();
    ctx.navigate(`#/login?next=${encodeURIComponent(location.hash)}`);
  });
}

async function start() {
  setupChrome();
  try {
    session = await api.loadSession();
  } catch (e) {
    session = null;
    if (e.status !== 401) {
      clear(document.getElementById('view'), notice('error', `The server answered: ${e.message}`));
      return;
    }
  }
  renderHeader();
  window.addEventListener('hashchange', route);
  route();
}

start();
