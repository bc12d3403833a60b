// "Send a test verification": POST /v1/applications/{id}/test-send makes
// the verification as POST /v1/verifications would, with the console's own
// token, so the console needs no API key (shown only once). Test
// applications never reach a provider; their codes land in the test inbox,
// which the console reads back (GET /v1/test/messages?appId=) so the whole
// flow can be tried from here. Checking a code is the application's own
// call: the form offers it when this session has seen the API key (keys.js).

import { post, get, enc } from '../api.js';
import { apiKey } from '../keys.js';
import { h, field, clearErrors, showFormError, busy, announce, kv, badge, button, announceError } from '../dom.js';
import { href } from '../router.js';
import { appLabel } from './filters.js';
import { CHANNELS } from './settings.js';

/** sendTestCard builds the form for the test applications among apps; onSent runs after each send. */
export function sendTestCard(apps, preferredId, onSent) {
  const tests = apps.filter((a) => a.environment === 'test' && a.status === 'active');
  if (tests.length === 0) {
    return h('p', {}, 'Test verifications need an active application with environment “test”. ',
      h('a', { href: href('/applications') }, 'Create one'), '.');
  }
  const app = h('select', { id: 'test-app', name: 'appId' },
    tests.map((a) => h('option', { value: a.id, selected: a.id === preferredId }, appLabel(a))));
  const to = h('input', { type: 'text', id: 'test-to', inputmode: 'tel', autocomplete: 'off', placeholder: '+1 415 555 2671', required: true });
  const channel = h('select', { id: 'test-channel' }, CHANNELS.map((c) => h('option', { value: c }, c)));
  const submit = h('button', { type: 'submit', class: 'button', id: 'test-send' }, 'Send test verification');
  const result = h('div', { id: 'test-result', class: 'test-result' });

  const form = h('form', { class: 'form', novalidate: true, id: 'send-test-form' },
    h('div', { class: 'form-grid' },
      field({ label: 'Test application', input: app, name: 'appId' }),
      field({ label: 'Phone number or email', input: to, name: 'to', hint: 'As people type it; numbers are normalised to E.164.' }),
      field({ label: 'Channel', input: channel, name: 'channel' })),
    h('div', { class: 'form-actions' }, submit));

  app.addEventListener('change', () => result.replaceChildren());

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const appId = app.value;
    busy(form, async () => {
      let v;
      try {
        ({ data: v } = await post(`/v1/applications/${enc(appId)}/test-send`, { to: to.value.trim(), channel: channel.value }));
      } catch (err) {
        showFormError(form, err);
        return;
      }
      announce(`Test verification ${v.id} sent (${v.status}).`, 'ok');
      showResult(result, v);
      if (onSent) onSent(v);
    });
  });
  return h('div', {}, form, result);
}

// showResult shows the new verification, then reads its code from the
// test inbox and, with the API key at hand, offers to check a code.
async function showResult(result, v) {
  const code = h('span', { id: 'test-code' }, 'waiting for the test inbox…');
  const key = apiKey(v.appId);
  result.replaceChildren(h('h3', {}, 'Sent'), kv([
    ['Verification', h('a', { href: href(`/verifications/${enc(v.id)}`) }, h('code', {}, v.id))],
    ['To', v.to],
    ['Channel', v.channel],
    ['Status', badge(v.status)],
    ['Code in the test inbox', code],
  ]), key ? checkForm(v, key) : h('p', { class: 'note', id: 'test-check-note' },
    'Your backend checks the code with the application’s API key (POST /v1/verifications/{id}/check). To check it from here, ',
    h('a', { href: href(`/applications/${enc(v.appId)}`) }, 'rotate the API key'),
    ': the console keeps the new key in memory for this session.'));
  // Delivery is asynchronous: the outbox worker puts the message in the
  // inbox a moment after the 201.
  for (let i = 0; i < 10; i += 1) {
    try {
      const { data } = await get('/v1/test/messages', { query: { appId: v.appId, to: v.to } });
      const m = data.find((x) => x.verificationId === v.id);
      if (m) {
        code.replaceChildren(h('code', {}, m.code));
        return;
      }
    } catch (err) {
      announceError(err);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  code.textContent = 'not in the test inbox yet';
}

function checkForm(v, key) {
  const input = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', spellcheck: 'false' });
  const out = h('p', { role: 'status' });
  const form = h('form', { class: 'form-inline', novalidate: true },
    field({ label: 'Check a code', input, name: 'code' }),
    h('div', { class: 'form-actions' }, button('Check', null, { type: 'submit' })),
    out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await post(`/v1/verifications/${enc(v.id)}/check`, { code: input.value.trim() }, { auth: key });
        out.textContent = data.valid
          ? `Valid: the verification is ${data.status}.`
          : `Not valid (${data.status}); ${data.attemptsRemaining} attempts left.`;
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}
