// Applications: creating one (its credentials shown once), the list, and
// an application's page: masked credentials, rotation, API keys, status,
// deletion, and the browser settings of the session flow.

import { get, post, patch, del, enc, applications } from '../api.js';
import { rememberApiKey } from '../keys.js';
import { sendTestCard } from './sendtest.js';
import { apiKeysSection } from './apikeys.js';
import {
  h, id, pageHeader, card, table, kv, time, badge, field, clearErrors, showFormError, busy, announce,
  announceError, loading, empty, button, confirmDialog, showSecretDialog, copyButton,
} from '../dom.js';
import { href, navigate } from '../router.js';

const ROTATIONS = {
  secret: { label: 'Client secret', what: 'the client secret', grace: true },
  api: { label: 'API key', what: 'the API key', grace: true },
  webhook_secret: {
    label: 'Webhook secret', what: 'the webhook signing secret', grace: true,
    // Only Standard Webhooks headers carry several signatures.
    note: 'While the current value keeps working, endpoints signed with the standard scheme get both signatures; kotp and cobinar endpoints get only the new secret’s.',
  },
};

// GRACE are the choices of how long a rotated credential keeps working, in seconds.
const GRACE = [['0', 'No — it stops at once'], ['3600', 'for 1 hour'], ['86400', 'for 24 hours'], ['604800', 'for 7 days']];

/**
 * createApplicationForm builds the "new application" form: for projectId,
 * or with a project picker from projects. onCreated(app) runs after the
 * credentials dialog is shown.
 */
export function createApplicationForm({ projectId, projects, onCreated }) {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const envName = id('env');
  const envTest = h('input', { type: 'radio', name: envName, value: 'test', id: id('env-test'), checked: true });
  const envLive = h('input', { type: 'radio', name: envName, value: 'live', id: id('env-live') });
  const project = projectId ? null : h('select', { required: true },
    projects.map((p) => h('option', { value: p.id }, p.name)));

  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      project && field({ label: 'Project', input: project, name: 'projectId' }),
      field({ label: 'Application name', input: name, name: 'name' })),
    h('fieldset', { dataset: { field: 'environment' } },
      h('legend', {}, 'Environment'),
      h('div', { class: 'check-list' },
        h('label', { class: 'check', for: envTest.id }, envTest, 'Test — codes land in the test inbox, never at a provider'),
        h('label', { class: 'check', for: envLive.id }, envLive, 'Live — codes are delivered'))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Create application')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await post('/v1/applications', {
          name: name.value.trim(),
          projectId: projectId || project.value,
          environment: envLive.checked ? 'live' : 'test',
        });
        rememberApiKey(data.id, data.apiKey);
        form.reset();
        showCredentials(data);
        announce(`Application “${data.name}” created. Store its credentials now.`, 'ok');
        if (onCreated) onCreated(data);
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

/** showCredentials shows a new application's credentials, this once. */
function showCredentials(app) {
  let dlg = null;
  const extra = app.environment === 'test'
    ? h('p', { class: 'note' }, 'The console keeps this API key in memory until you reload or sign out, so you can ',
      h('a', { href: href('/verifications', { appId: app.id }), onclick: () => dlg.close() }, 'send a test verification'), '.')
    : null;
  dlg = showSecretDialog({
    title: `Credentials for “${app.name}”`,
    warning: app.warning || 'Store these credentials now — the Client Secret and API Key will not be shown again.',
    rows: [
      ['Client ID', app.clientId, 'cred-clientId'],
      ['Client secret', app.clientSecret, 'cred-clientSecret'],
      ['API key', app.apiKey, 'cred-apiKey'],
      ['Public key', app.publicKey, 'cred-publicKey'],
      ['Webhook secret', app.webhookSecret, 'cred-webhookSecret'],
    ],
    extra,
  });
  dlg.id = 'credentials-dialog';
}

/** applicationsTable lists applications with their masked key previews. */
export function applicationsTable(apps, projectsById) {
  const cols = [
    ['Name', (a) => h('a', { href: href(`/applications/${enc(a.id)}`) }, a.name)],
    ['Environment', (a) => badge(a.environment)],
    ['Status', (a) => [badge(a.status), a.operatorDisabled && [' ', badge('held by operator')]]],
    ['API key', (a) => h('code', {}, a.apiKeyPreview)],
    ['Created', (a) => time(a.createdAt)],
  ];
  if (projectsById) {
    cols.splice(1, 0, ['Project', (a) => {
      const p = projectsById.get(a.projectId);
      return h('a', { href: href(`/projects/${enc(a.projectId)}`) }, p ? p.name : a.projectId);
    }]);
  }
  return table('Applications', cols, apps);
}

/** list is the applications page: every application of every project. */
export async function list({ main, signal }) {
  main.append(pageHeader({ title: 'Applications', lede: 'Each application has its own credentials, webhooks and verifications.' }));
  const createCard = card('New application', loading());
  const listCard = card('All applications', loading());
  main.append(createCard, listCard);

  const [{ data: projects }, apps] = await Promise.all([get('/v1/projects', { signal }), applications(signal)]);
  const byId = new Map(projects.map((p) => [p.id, p]));
  const draw = (list) => listCard.lastChild.replaceWith(list.length === 0 ? empty('No applications yet.') : applicationsTable(list, byId));
  createCard.lastChild.replaceWith(projects.length === 0
    ? h('p', {}, 'Applications belong to a project. ', h('a', { href: href('/projects') }, 'Create a project'), ' first.')
    : createApplicationForm({
      projects,
      onCreated: async () => {
        try {
          draw((await applications(signal)).list);
        } catch (err) {
          announceError(err);
        }
      },
    }));
  draw(apps.list);
}

/** detail is one application's page. */
export async function detail({ main, params, signal }) {
  const header = pageHeader({ title: 'Application', crumbs: [['Applications', href('/applications')]] });
  const body = h('div', {}, loading());
  main.append(header, body);

  const { data: app } = await get(`/v1/applications/${enc(params.id)}`, { signal });
  let project = null;
  try {
    project = (await get(`/v1/projects/${enc(app.projectId)}`, { signal })).data;
  } catch (err) {
    if (err.name === 'AbortError') throw err;
  }
  draw({ header, body, project }, app);
}

// draw fills the page for app; page is {header, body, project}.
function draw(page, app) {
  const { header, body, project } = page;
  const h1 = header.querySelector('h1');
  h1.textContent = app.name;
  document.title = `${app.name} · otpd console`;
  const crumbs = header.querySelector('.breadcrumb');
  crumbs.replaceChildren(h('a', { href: href('/projects') }, 'Projects'), ' / ',
    h('a', { href: href(`/projects/${enc(app.projectId)}`) }, project ? project.name : app.projectId));
  header.querySelector('.lede')?.remove();
  h1.after(h('p', { class: 'lede' }, badge(app.environment), ' ', badge(app.status),
    app.operatorDisabled && [' ', badge('held by operator')]));

  const toggle = app.status === 'active'
    ? button('Disable', () => setStatus(page, app, 'disabled'), { kind: 'secondary' })
    : button('Enable', () => setStatus(page, app, 'active'), { kind: 'primary' });
  header.querySelector('.actions')?.remove();
  header.append(h('div', { class: 'actions' }, toggle, button('Delete', () => remove(app), { kind: 'danger' })));

  const rotateRow = (kind, preview, ...more) => [ROTATIONS[kind].label,
    h('span', {}, h('code', {}, preview), ' ',
      button('Rotate', () => rotate(page, app, kind), { small: true, 'aria-label': `Rotate ${ROTATIONS[kind].label.toLowerCase()}`, dataset: { rotate: kind } }),
      ...more)];
  const fullRow = (label, value) => {
    const code = h('code', {}, value);
    return [label, h('span', {}, code, ' ', copyButton(() => value, label, code))];
  };

  // Test sends go through the console's own token: no API key needed.
  const testing = app.environment !== 'test' ? null : card('Send a test verification', sendTestCard([app], app.id));

  body.replaceChildren(...[
    h('div', { class: 'grid-2' },
      card('Details', kv([
        ['ID', h('code', {}, app.id)],
        ['Environment', app.environment],
        ['Status', app.status],
        // The operator's hold outranks the status: the owner cannot lift it.
        ...(app.operatorDisabled ? [['Operator hold', 'Disabled by the operator: every API call with its keys is refused (403) whatever its status, until the operator lifts the hold.']] : []),
        ['Created', time(app.createdAt)],
        ['Updated', time(app.updatedAt)],
      ])),
      card('See also', h('ul', {},
        h('li', {}, h('a', { href: href('/verifications', { appId: app.id }) }, 'Verifications')),
        h('li', {}, h('a', { href: href('/webhooks', { appId: app.id }) }, 'Webhooks')),
        h('li', {}, h('a', { href: href('/users', { appId: app.id }) }, 'Users')),
        h('li', {}, h('a', { href: href('/logs', { appId: app.id }) }, 'Logs')),
        h('li', {}, h('a', { href: href('/analytics', { appId: app.id }) }, 'Analytics'))))),
    card('Credentials',
      h('p', { class: 'hint' }, 'The client secret and API key are shown only when created or rotated; here you see masked previews. The webhook secret can be revealed.'),
      kv([
        fullRow('Client ID', app.clientId),
        fullRow('Public key', app.publicKey),
        rotateRow('secret', app.clientSecretPreview),
        rotateRow('api', app.apiKeyPreview),
        // Receivers need the webhook secret itself to verify signatures,
        // so unlike the other two it can be read again.
        rotateRow('webhook_secret', app.webhookSecretPreview, ' ',
          button('Reveal', () => revealWebhookSecret(app), { small: true, 'aria-label': 'Reveal webhook secret', dataset: { reveal: 'webhook_secret' } })),
      ])),
    card('API keys', ...apiKeysSection(app)),
    card('Browser access', browserForm(page, app)),
    testing,
  ].filter(Boolean));
}

// lines splits a textarea's value into its non-empty lines.
const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

// browserForm edits where the session flow may run: the sites whose pages
// may call it with the public key, and where the hosted page may send a
// person back.
function browserForm(page, app) {
  const origins = h('textarea', { name: 'allowedOrigins', rows: '3', spellcheck: 'false', autocomplete: 'off' }, (app.allowedOrigins || []).join('\n'));
  const returns = h('textarea', { name: 'returnUrls', rows: '3', spellcheck: 'false', autocomplete: 'off' }, (app.returnUrls || []).join('\n'));
  const form = h('form', { class: 'form', novalidate: true, id: 'browser-form' },
    h('p', { class: 'hint' }, 'Pages call the session flow (kod.mobi’s /v2 API) with the public key. ',
      'With allowed origins set, requests from other sites are refused; servers, which send no Origin, always pass.'),
    field({ label: 'Allowed origins', input: origins, name: 'allowedOrigins', hint: 'One per line, scheme://host[:port], such as https://shop.example. Empty allows any site.' }),
    field({ label: 'Return URLs', input: returns, name: 'returnUrls', hint: 'One per line: absolute http(s) URLs the hosted page may send a person back to, matched exactly.' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Save browser settings')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await patch(`/v1/applications/${enc(app.id)}`, { allowedOrigins: lines(origins.value), returnUrls: lines(returns.value) });
        draw(page, data);
        announce('Browser settings saved.', 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

// revealWebhookSecret shows the application's webhook secret in full, and
// the previous one while a rotation's grace period runs.
async function revealWebhookSecret(app) {
  try {
    const { data } = await get(`/v1/applications/${enc(app.id)}/webhook-secret`);
    const rows = [['Webhook secret', data.webhookSecret, 'revealed-webhook-secret']];
    if (data.previousWebhookSecret) rows.push(['Previous webhook secret', data.previousWebhookSecret, 'revealed-previous-webhook-secret']);
    showSecretDialog({
      title: `Webhook secret of “${app.name}”`,
      warning: data.previousValidUntil
        ? `Deliveries are signed with both until ${new Date(data.previousValidUntil).toLocaleString()} (standard signing only).`
        : 'Receivers verify the signature of every delivery with this secret. Keep it out of source code.',
      rows,
    });
  } catch (err) {
    announceError(err);
  }
}

async function rotate(page, app, kind) {
  const r = ROTATIONS[kind];
  // A credential can keep working for a while after a rotation
  // (?gracePeriod=), so clients and receivers can be updated without downtime.
  const grace = r.grace ? h('select', { id: 'rotate-grace' }, GRACE.map(([v, label]) => h('option', { value: v }, label))) : null;
  const ok = await confirmDialog(`Rotate ${r.what}?`,
    `A new value replaces ${r.what} of “${app.name}”.${r.grace ? '' : ' The current one stops working at once, so every receiver must be updated.'}${r.note ? ` ${r.note}` : ''}`,
    { confirmLabel: `Rotate ${r.label.toLowerCase()}`, danger: true, extra: grace && field({ label: 'The current value keeps working', input: grace }) });
  if (!ok) return;
  try {
    const { data } = await post(`/v1/applications/${enc(app.id)}/rotate/${kind}`, undefined, { query: { gracePeriod: grace && grace.value !== '0' ? grace.value : '' } });
    if (kind === 'api') rememberApiKey(app.id, data.value);
    // The page shows the new masked preview before the dialog opens, so
    // nothing is redrawn under the dialog or just after it closes (a
    // redraw then replaced the buttons a person was about to press).
    try {
      draw(page, (await get(`/v1/applications/${enc(app.id)}`)).data);
    } catch (err) {
      announceError(err);
    }
    const dlg = showSecretDialog({
      title: `New ${r.label.toLowerCase()} for “${app.name}”`,
      warning: `${kind === 'webhook_secret'
        ? 'The webhook secret can be revealed again on this page with Reveal.'
        : `Store the new ${r.label.toLowerCase()} now — it will not be shown again.`} ${data.previousValidUntil
        ? `The previous one keeps working until ${new Date(data.previousValidUntil).toLocaleString()}.`
        : 'The previous one no longer works.'}`,
      rows: [[r.label, data.value, 'rotated-value']],
    });
    // The Rotate button that opened the dialog was redrawn: focus the new one.
    dlg.addEventListener('close', () => page.body.querySelector(`[data-rotate="${kind}"]`)?.focus());
    announce(`${r.label} rotated.`, 'ok');
  } catch (err) {
    announceError(err);
  }
}

async function setStatus(page, app, status) {
  if (status === 'disabled') {
    const ok = await confirmDialog('Disable application?',
      `While “${app.name}” is disabled, every API call with its credentials is refused (403).`, { confirmLabel: 'Disable', danger: true });
    if (!ok) return;
  }
  try {
    const { data } = await patch(`/v1/applications/${enc(app.id)}`, { status });
    draw(page, data);
    page.header.querySelector('.actions button').focus();
    announce(`Application ${status === 'active' ? 'enabled' : 'disabled'}.`, 'ok');
  } catch (err) {
    announceError(err);
  }
}

async function remove(app) {
  const ok = await confirmDialog('Delete application?',
    `Delete “${app.name}” with its verifications, webhooks and logs? This cannot be undone.`, { confirmLabel: 'Delete application', danger: true });
  if (!ok) return;
  try {
    await del(`/v1/applications/${enc(app.id)}`);
    announce(`Application “${app.name}” deleted.`, 'ok');
    navigate(`/projects/${enc(app.projectId)}`);
  } catch (err) {
    announceError(err);
  }
}
