// Sign-in: a developer account (email and password, POST /v1/auth/login
// gives a 12-hour session token) or the operator's admin token. Either way
// the console then holds one bearer token for this tab.

import { get, post, setToken } from '../api.js';
import { h, field, clearErrors, showFormError, busy, announce } from '../dom.js';
import { navigate } from '../router.js';

/** render shows the sign-in form; after sign-in it goes to next. */
export function render({ main, next, query }) {
  const input = h('input', {
    type: 'password', id: 'console-token', name: 'token', required: true,
    autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off',
  });
  const form = h('form', { class: 'form', novalidate: true },
    field({
      label: 'Console token', input, name: 'token',
      hint: 'The admin token otpd printed on first start (or OTPD_ADMIN_TOKEN). It is kept in this tab only and forgotten when the tab closes.',
    }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Sign in')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const t = input.value.trim();
    if (!t) {
      showFormError(form, { message: 'Enter the console token.', field: 'token' });
      return;
    }
    busy(form, async () => {
      try {
        // Any console read proves the token; auth: keeps a wrong token
        // from triggering the global signed-out handling.
        await get('/v1/projects', { auth: t });
      } catch (err) {
        if (err.status === 401) err = { message: 'That token was not accepted.', field: 'token' };
        showFormError(form, err);
        return;
      }
      setToken(t);
      announce('Signed in.', 'ok');
      const rest = Object.fromEntries(query);
      navigate(next || '/projects', rest);
    });
  });

  const email = h('input', { type: 'email', id: 'signin-email', name: 'email', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', id: 'signin-password', name: 'password', required: true, autocomplete: 'current-password' });
  const account = h('form', { class: 'form', novalidate: true },
    field({ label: 'Email', input: email, name: 'email' }),
    field({ label: 'Password', input: password, name: 'password' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Sign in with your account')));
  account.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(account);
    if (!email.value.trim() || !password.value) {
      showFormError(account, { message: 'Enter your email and password.', field: email.value.trim() ? 'password' : 'email' });
      return;
    }
    busy(account, async () => {
      let answer;
      try {
        // auth: a placeholder, so a 401 here is a wrong password, not a sign-out.
        answer = await post('/v1/auth/login', { email: email.value.trim(), password: password.value }, { auth: 'none' });
      } catch (err) {
        if (err.status === 401) err = { message: err.message, field: 'password' };
        showFormError(account, err);
        return;
      }
      password.value = '';
      setToken(answer.data.token);
      announce('Signed in.', 'ok');
      navigate(next || '/projects', Object.fromEntries(query));
    });
  });

  main.append(h('div', { class: 'signin card' },
    h('h1', { tabindex: '-1' }, 'Sign in to the otpd console'),
    h('p', { class: 'muted' }, 'Manage projects, applications, webhooks and verifications of this otpd server.'),
    h('h2', {}, 'Developer account'),
    account,
    h('h2', {}, 'Operator'),
    form));
  email.focus();
}
