// Sign in with an API key or the operator's dashboard user; the server answers with an
// HttpOnly cookie, so the page never keeps a key.
import { login } from '../api.js';
import { h, flashArea } from '../dom.js';

export function render(root, route, ctx) {
  const next = route.params.get('next') || '#/overview';
  const flash = flashArea();
  const user = h('input', { name: 'user', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const key = h('input', { name: 'api_key', type: 'password', autocomplete: 'off', placeholder: 'cvk_…', required: true });
  const userForm = h('form', { class: 'stack', 'aria-label': 'Sign in with user and password' },
    h('label', {}, 'User', user), h('label', {}, 'Password', password),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  const keyForm = h('form', { class: 'stack', 'aria-label': 'Sign in with an API key', hidden: true },
    h('label', {}, 'API key', key),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in with key'));

  const submit = (form, body) => form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    flash.hide();
    try {
      ctx.signedIn(await login(body()));
      ctx.navigate(next.startsWith('#/login') ? '#/overview' : next);
    } catch (err) {
      flash.show('error', `Sign-in failed: ${err.message}`);
    } finally {
      btn.disabled = false;
    }
  });
  submit(userForm, () => ({ user: user.value, password: password.value }));
  submit(keyForm, () => ({ api_key: key.value.trim() }));

  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const tab = (label, show, hide) => h('button', {
    type: 'button', role: 'tab', class: 'tab',
    onclick: (e) => {
      show.hidden = false;
      hide.hidden = true;
      for (const t of tabs.children) t.setAttribute('aria-selected', String(t === e.currentTarget));
    },
  }, label);
  tabs.append(tab('User and password', userForm, keyForm), tab('API key', keyForm, userForm));
  tabs.firstChild.setAttribute('aria-selected', 'true');

  root.append(h('section', { class: 'card login' },
    h('h1', {}, 'Sign in to Conveyor'), tabs, flash, userForm, keyForm));
  user.focus();
}
