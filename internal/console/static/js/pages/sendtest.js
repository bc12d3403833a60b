// "Send a test verification": POST /v1/verifications authenticates with
// the application's API key, which the console only knows right after the
// application was created or its key rotated (keys.js). Test applications
// never reach a provider; their codes land in the test inbox, which this
// form reads back so the whole flow can be tried from the console.

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
  const keyNote = h('p', { class: 'note', id: 'test-key-note' });
  const result = h('div', { id: 'test-result', class: 'test-result' });

  const form = h('form', { class: 'form', novalidate: true, id: 'send-test-form' },
    h('div', { class: 'form-grid' },
      field({ label: 'Test application', input: app, name: 'appId' }),
      field({ label: 'Phone number or email', input: to, name: 'to', hint: 'As people type it; numbers are normalised to E.164.' }),
      field({ label: 'Channel', input: channel, name: 'channel' })),
    keyNote,
    h('div', { class: 'form-actions' }, submit));

  // Without the key the form stays visible but cannot be sent, and says why.
  const sync = () => {
    const known = Boolean(apiKey(app.value));
    submit.disabled = !known;
    keyNote.hidden = known;
    if (!known) {
      keyNote.replaceChildren('The console knows an application’s API key only right after creating it or rotating it, and keeps it in memory for this session. To test this application, ',
        h('a', { href: href(`/applications/${enc(app.value)}`) }, 'rotate its API key'), '.');
    }
  };
  app.addEventListener('change', () => {
    result.replaceChildren();
    sync();
  });
  sync();

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const key = apiKey(app.value);
    if (!key) return;
    busy(form, async () => {
      let v;
      try {
        ({ data: v } = await post('/v1/verifications', { to: to.value.trim(), channel: channel.value }, { auth: key }));
      } catch (err) {
        showFormError(form, err);
        return;
      }
      announce(`Test verification ${v.id} sent (${v.status}).`, 'ok');
      showResult(result, v, key);
      if (onSent) onSent(v);
    });
  });
  return h('div', {}, form, result);
}

// showResult shows the new verification, then reads its code from the
// test inbox and offers to check a code.
async function showResult(result, v, key) {
  const code = h('span', { id: 'test-code' }, 'waiting for the test inbox…');
  result.replaceChildren(h('h3', {}, 'Sent'), kv([
    ['Verification', h('a', { href: href(`/verifications/${enc(v.id)}`) }, h('code', {}, v.id))],
    ['To', v.to],
    ['Channel', v.channel],
    ['Status', badge(v.status)],
    ['Code in the test inbox', code],
  ]), checkForm(v, key));
  // Delivery is asynchronous: the outbox worker puts the message in the
  // inbox a moment after the 201.
  for (let i = 0; i < 10; i += 1) {
    try {
      const { data } = await get('/v1/test/messages', { query: { to: v.to }, auth: key });
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
