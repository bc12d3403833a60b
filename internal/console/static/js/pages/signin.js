// Sign-in: the console token (today the admin token; developer accounts
// and POST /v1/auth/login come later and will issue the same kind of
// bearer token).

import { get, setToken } from '../api.js';
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

  main.append(h('div', { class: 'signin card' },
    h('h1', { tabindex: '-1' }, 'Sign in to the otpd console'),
    h('p', { class: 'muted' }, 'Manage projects, applications, webhooks and verifications of this otpd server.'),
    form));
  input.focus();
}
