// An application's API keys: its own key and the extra ones, masked;
// creating one with a scope and an IP allow-list (the key is shown once);
// revoking one.

import { get, post, del, enc } from '../api.js';
import {
  h, table, time, badge, field, clearErrors, showFormError, busy, announce, announceError, loading, empty,
  button, confirmDialog, showSecretDialog,
} from '../dom.js';

const SCOPES = [
  ['full', 'Full — every call'],
  ['read', 'Read-only — GET calls only (status, lists)'],
];

/** apiKeysSection is the content of app's "API keys" card: the list, then the form to create one. */
export function apiKeysSection(app) {
  const results = h('div', { id: 'api-keys', tabindex: '-1' }, loading());
  const load = async () => {
    try {
      const { data } = await get(`/v1/applications/${enc(app.id)}/keys`);
      results.replaceChildren(data.length === 0 ? empty('No API keys.') : keysTable(app, data, load, results));
    } catch (err) {
      results.replaceChildren(empty('The API keys could not be loaded.'));
      announceError(err);
    }
  };
  load();
  return [
    h('p', { class: 'hint' }, 'Besides the application’s own key (rotated above), it may have more keys: read-only ones for dashboards and monitoring, ',
      'and keys that work only from the addresses you list. A revoked key stops working at once.'),
    results,
    h('h3', {}, 'New API key'),
    createForm(app, load),
  ];
}

function keysTable(app, keys, reload, results) {
  return table('API keys', [
    ['Key', (k) => h('span', {}, h('code', {}, k.preview), k.name && h('span', { class: 'small muted' }, ' ', k.name),
      k.primary && h('span', { class: 'small muted' }, ' the application’s own'))],
    ['Scope', (k) => badge(k.scope)],
    ['Allowed IPs', (k) => (k.allowedIps.length === 0
      ? h('span', { class: 'muted' }, 'any address')
      : h('span', {}, k.allowedIps.map((p, i) => [i > 0 && ', ', h('code', {}, p)])))],
    ['Created', (k) => time(k.createdAt)],
    ['Actions', (k) => (k.primary
      ? h('span', { class: 'small muted' }, 'Rotate it under Credentials')
      : button('Revoke', () => revoke(app, k, reload, results), {
        small: true, kind: 'danger', 'aria-label': `Revoke API key ${k.preview}`, dataset: { revoke: k.id },
      }))],
  ], keys);
}

// allowedEntries reads the allow-list textarea: one address or CIDR block
// per line (commas and spaces separate too).
const allowedEntries = (text) => text.split(/[\s,]+/).filter(Boolean);

function createForm(app, reload) {
  const scope = h('select', { id: 'api-key-scope', name: 'scope' }, SCOPES.map(([v, label]) => h('option', { value: v }, label)));
  const name = h('input', { type: 'text', id: 'api-key-name', name: 'name', maxlength: '100', autocomplete: 'off', placeholder: 'e.g. monitoring' });
  const allowed = h('textarea', { id: 'api-key-allowed', name: 'allowedIps', rows: '3', spellcheck: 'false', autocomplete: 'off', placeholder: '203.0.113.0/24\n2001:db8::1' });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      field({ label: 'Scope', input: scope, name: 'scope' }),
      field({ label: 'Name (optional)', input: name, name: 'name' })),
    field({
      label: 'Allowed IP addresses (optional)', input: allowed, name: 'allowedIps',
      hint: 'One IPv4 or IPv6 address or CIDR block per line, at most 50. Calls from any other address are refused (401). Empty: any address.',
    }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Create API key')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const entries = allowedEntries(allowed.value);
    busy(form, async () => {
      try {
        const { data } = await post(`/v1/applications/${enc(app.id)}/keys`, {
          scope: scope.value, name: name.value.trim(), allowedIps: entries,
        });
        form.reset();
        showNewKey(app, data, reload);
        announce(`API key ${data.preview} created. Store it now.`, 'ok');
      } catch (err) {
        // allowedIps[2] names the third entry: say which one it is.
        const m = /^allowedIps\[(\d+)\]$/.exec(err.field || '');
        if (m && entries[Number(m[1])] !== undefined) err.message = `“${entries[Number(m[1])]}”: ${err.message}`;
        showFormError(form, err);
      }
    });
  });
  return form;
}

// showNewKey shows a created key this once; the list is redrawn when the
// dialog closes, and focus returns to the form.
function showNewKey(app, key, reload) {
  const where = key.allowedIps.length === 0 ? 'from any address' : `only from ${key.allowedIps.join(', ')}`;
  const dlg = showSecretDialog({
    title: `New ${key.scope === 'read' ? 'read-only' : 'full'} API key for “${app.name}”`,
    warning: `${key.warning || 'Store this API key now — it will not be shown again.'} It works ${where}.`,
    rows: [['API key', key.key, 'new-api-key']],
  });
  dlg.id = 'api-key-dialog';
  dlg.addEventListener('close', () => { reload(); });
}

async function revoke(app, k, reload, results) {
  const ok = await confirmDialog('Revoke API key?',
    `Calls with ${k.preview}${k.name ? ` (“${k.name}”)` : ''} to “${app.name}” are refused from now on. This cannot be undone.`,
    { confirmLabel: 'Revoke key', danger: true });
  if (!ok) return;
  try {
    await del(`/v1/applications/${enc(app.id)}/keys/${enc(k.id)}`);
    announce(`API key ${k.preview} revoked.`, 'ok');
    await reload();
    // The button that had the focus is gone: keep the keyboard in the list.
    results.focus();
  } catch (err) {
    announceError(err);
  }
}
