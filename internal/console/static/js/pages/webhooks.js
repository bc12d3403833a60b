// Webhook endpoints: the list per application, creating one, enabling,
// disabling, deleting, test sends, and the delivery log with redelivery.

import { get, post, patch, del, enc, applications, appName } from '../api.js';
import {
  h, id, pageHeader, card, table, kv, time, badge, field, clearErrors, showFormError, busy,
  announce, announceError, loading, empty, button, confirmDialog, pager,
} from '../dom.js';
import { href, navigate } from '../router.js';
import { appSelect, filterForm, appScope } from './filters.js';

const EVENTS = ['otp.created', 'otp.sent', 'otp.delivered', 'otp.failed', 'otp.verified', 'otp.expired', 'otp.max_attempts', 'otp.canceled', 'fraud.blocked', 'fraud.released'];
const SIGNING = [
  ['standard', 'Standard Webhooks', 'webhook-id, webhook-timestamp and webhook-signature headers (standardwebhooks.com). The default.'],
  ['kotp', 'K-OTP', 'x-kotp-signature and x-kotp-timestamp, for receivers written for K-OTP.'],
  ['cobinar', 'Cobinar', 'x-cobinar-signature and x-cobinar-event headers, for receivers written for Cobinar.'],
];

/** list is the webhooks page: endpoints of one or every application. */
export async function list({ main, query, signal }) {
  main.append(pageHeader({ title: 'Webhooks', lede: 'Endpoints that receive signed events about verifications.' }));
  const createCard = card('New endpoint', loading());
  const listCard = card('Endpoints', loading());
  main.append(createCard, listCard);

  const apps = await applications(signal);
  const { appId, allLabel } = appScope(apps, query);
  if (apps.list.length === 0) {
    createCard.lastChild.replaceWith(h('p', {}, 'Webhooks belong to an application. ', h('a', { href: href('/applications') }, 'Create one'), ' first.'));
    listCard.remove();
    return;
  }
  const results = h('div', {}, loading());
  listCard.lastChild.replaceWith(
    filterForm('/webhooks', [['Application', appSelect(apps.list, appId, allLabel)]], { label: 'Filter endpoints' }),
    results);

  const load = async () => {
    const { data } = await get('/v1/webhooks', { query: { appId }, signal });
    results.replaceChildren(data.length === 0
      ? empty('No webhook endpoints yet.')
      : table('Webhook endpoints', [
        ['URL', (w) => h('a', { href: href(`/webhooks/${enc(w.id)}`) }, w.url)],
        ['Application', (w) => apps.byId.get(w.appId)?.name || w.appId],
        ['Events', (w) => eventsText(w.events)],
        ['Signing', (w) => w.signing],
        ['Status', (w) => statusCell(w)],
        ['Actions', (w) => h('span', { class: 'cell-actions' }, endpointActions(w, load))],
      ], data));
  };
  createCard.lastChild.replaceWith(createForm(apps.list, appId, load));
  await load();
}

const eventsText = (events) => (events.length === 0 ? 'all events' : events.join(', '));

function statusCell(w) {
  return h('span', {}, badge(w.status),
    w.disabledReason && h('span', { class: 'small muted' }, ' ', w.disabledReason),
    w.failingSince && h('span', { class: 'small muted' }, ' failing since ', time(w.failingSince)));
}

// endpointActions are the buttons of one endpoint; reload redraws the
// page's list (or the endpoint's page) afterwards.
function endpointActions(w, reload, { withOpen = false } = {}) {
  const label = w.url;
  return [
    button('Send test', () => testSend(w), { small: true, 'aria-label': `Send a test event to ${label}` }),
    w.status === 'enabled'
      ? button('Disable', () => setStatus(w, 'disabled', reload), { small: true, 'aria-label': `Disable ${label}` })
      : button('Enable', () => setStatus(w, 'enabled', reload), { small: true, 'aria-label': `Enable ${label}` }),
    withOpen && h('a', { class: 'button button-secondary button-small', href: href(`/webhooks/${enc(w.id)}`) }, 'Deliveries'),
    button('Delete', () => remove(w, reload), { small: true, kind: 'danger', 'aria-label': `Delete ${label}` }),
  ];
}

function createForm(apps, appId, reload) {
  const app = appSelect(apps, appId);
  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://example.com/otpd/webhook', autocomplete: 'off', spellcheck: 'false' });
  const boxes = EVENTS.map((e) => h('input', { type: 'checkbox', id: id('evt'), value: e }));
  const signName = id('signing');
  const radios = SIGNING.map(([v], i) => h('input', { type: 'radio', name: signName, id: id('sign'), value: v, checked: i === 0 }));
  const full = h('input', { type: 'checkbox', id: id('full') });

  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      field({ label: 'Application', input: app, name: 'appId' }),
      field({ label: 'Endpoint URL', input: url, name: 'url', hint: 'HTTPS on a public address.' })),
    h('fieldset', { dataset: { field: 'events' } },
      h('legend', {}, 'Events'),
      h('p', { class: 'hint' }, 'None checked: every event.'),
      h('div', { class: 'check-list' }, boxes.map((b) => h('label', { class: 'check', for: b.id }, b, h('code', {}, b.value))))),
    h('fieldset', { dataset: { field: 'signing' } },
      h('legend', {}, 'Signing'),
      h('div', { class: 'form' }, radios.map((r, i) => h('div', {},
        h('label', { class: 'check', for: r.id }, r, SIGNING[i][1]),
        h('p', { class: 'hint' }, SIGNING[i][2]))))),
    h('div', { class: 'field', dataset: { field: 'includeDestination' } },
      h('label', { class: 'check', for: full.id }, full, 'Send full phone numbers and email addresses'),
      h('p', { class: 'hint' }, 'Off: payloads carry them masked (+44******0958).')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Create endpoint')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await post('/v1/webhooks', {
          appId: app.value,
          url: url.value.trim(),
          events: boxes.filter((b) => b.checked).map((b) => b.value),
          signing: radios.find((r) => r.checked).value,
          includeDestination: full.checked,
        });
        form.reset();
        announce(`Endpoint ${data.url} created.`, 'ok');
        await reload();
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

// testSend posts a signed otp.verified test event now and reports the answer, in the
// status region and, on an endpoint's page, in its result panel.
async function testSend(w) {
  announce(`Sending a test event to ${w.url}…`);
  try {
    const { data: r } = await post(`/v1/webhooks/${enc(w.id)}/test`);
    const text = r.success
      ? `Test event delivered: HTTP ${r.statusCode} in ${r.latencyMs} ms.`
      : `Test event failed: ${r.error || `HTTP ${r.statusCode}`}${r.statusCode ? ` (HTTP ${r.statusCode})` : ''} after ${r.latencyMs} ms.`;
    announce(text, r.success ? 'ok' : 'error');
    const panel = document.getElementById('webhook-test-result');
    if (panel) {
      panel.replaceChildren(h('h2', {}, 'Last test'), kv([
        ['Result', badge(r.success ? 'delivered' : 'failed')],
        ['Status code', r.statusCode ? String(r.statusCode) : '—'],
        ['Latency', `${r.latencyMs} ms`],
        r.error && ['Error', r.error],
        ['Response', r.responseExcerpt ? h('code', {}, r.responseExcerpt) : '—'],
      ]));
    }
  } catch (err) {
    announceError(err);
  }
}

async function setStatus(w, status, reload) {
  try {
    await patch(`/v1/webhooks/${enc(w.id)}`, { status });
    announce(`Endpoint ${status}.`, 'ok');
    await reload();
  } catch (err) {
    announceError(err);
  }
}

async function remove(w, reload) {
  const ok = await confirmDialog('Delete endpoint?', `Delete ${w.url} and its delivery log? Pending deliveries are dropped.`, { confirmLabel: 'Delete endpoint', danger: true });
  if (!ok) return;
  try {
    await del(`/v1/webhooks/${enc(w.id)}`);
    announce('Endpoint deleted.', 'ok');
    await reload(true);
  } catch (err) {
    announceError(err);
  }
}

/** detail is one endpoint with its delivery log. */
export async function detail({ main, params, signal }) {
  const header = pageHeader({ title: 'Webhook endpoint', crumbs: [['Webhooks', href('/webhooks')]] });
  const body = h('div', {}, loading());
  main.append(header, body);

  const draw = async (deleted) => {
    if (deleted === true) {
      navigate('/webhooks');
      return;
    }
    const { data: w } = await get(`/v1/webhooks/${enc(params.id)}`, { signal });
    const app = await appName(w.appId, signal);
    header.querySelector('.lede')?.remove();
    header.querySelector('h1').after(h('p', { class: 'lede' }, h('code', {}, w.url)));
    header.querySelector('.actions')?.remove();
    header.append(h('div', { class: 'actions' }, endpointActions(w, draw)));

    const deliveries = card('Delivery log', loading());
    body.replaceChildren(
      h('div', { class: 'grid-2' },
        card('Endpoint', kv([
          ['ID', h('code', {}, w.id)],
          ['Application', h('a', { href: href(`/applications/${enc(w.appId)}`) }, app)],
          ['Events', eventsText(w.events)],
          ['Signing', w.signing],
          ['Destinations', w.includeDestination ? 'full' : 'masked'],
          ['Status', statusCell(w)],
          ['Created', time(w.createdAt)],
        ])),
        h('section', { class: 'card', id: 'webhook-test-result', 'aria-live': 'polite' },
          h('h2', {}, 'Last test'), h('p', { class: 'muted' }, 'Use “Send test” to post a signed sample event now.'))),
      deliveries);

    const first = await get(`/v1/webhooks/${enc(w.id)}/deliveries`, { query: { limit: 50 }, signal });
    if (first.data.length === 0) {
      deliveries.lastChild.replaceWith(empty('No deliveries yet.'));
      return;
    }
    const t = table('Deliveries', [
      ['Event', (d) => h('a', { href: href(`/webhooks/${enc(w.id)}/deliveries/${enc(d.id)}`) }, h('code', {}, d.eventType))],
      ['Status', (d) => badge(d.status)],
      ['Attempts', (d) => String(d.attempts), 'num'],
      ['Last code', (d) => (d.lastStatusCode ? String(d.lastStatusCode) : '—'), 'num'],
      ['Latency', (d) => `${d.lastLatencyMs} ms`, 'num'],
      ['Response', (d) => (d.lastError || d.responseExcerpt ? h('code', {}, excerpt(d.lastError || d.responseExcerpt)) : '—')],
      ['Created', (d) => time(d.createdAt)],
      ['', (d) => button('Redeliver', () => redeliver(w.id, d.id, draw), { small: true, 'aria-label': `Redeliver ${d.eventType} ${d.id}` })],
    ], first.data);
    deliveries.lastChild.replaceWith(t,
      pager(first, (cursor) => get(`/v1/webhooks/${enc(w.id)}/deliveries`, { query: { limit: 50, cursor }, signal }), t.addRows));
  };
  await draw();
}

const excerpt = (s) => (s.length > 80 ? s.slice(0, 80) + '…' : s);

async function redeliver(webhookId, deliveryId, reload) {
  try {
    const { data } = await post(`/v1/webhooks/${enc(webhookId)}/deliveries/${enc(deliveryId)}/redeliver`);
    announce(`Delivery queued again (${data.status}).`, 'ok');
    await reload();
  } catch (err) {
    announceError(err);
  }
}

/** delivery is one delivery with every request made for it. */
export async function delivery({ main, params, signal }) {
  const back = `/webhooks/${enc(params.id)}`;
  const header = pageHeader({ title: 'Delivery', crumbs: [['Webhooks', href('/webhooks')], ['Endpoint', href(back)]] });
  const body = h('div', {}, loading());
  main.append(header, body);

  const draw = async () => {
    const { data: d } = await get(`/v1/webhooks/${enc(params.id)}/deliveries/${enc(params.deliveryId)}`, { signal });
    header.querySelector('.lede')?.remove();
    header.querySelector('h1').after(h('p', { class: 'lede' }, h('code', {}, d.eventType), ' ', badge(d.status)));
    header.querySelector('.actions')?.remove();
    header.append(h('div', { class: 'actions' }, button('Redeliver', () => redeliver(params.id, d.id, draw), { kind: 'primary' })));
    const requests = d.requests || [];
    body.replaceChildren(
      card('Delivery', kv([
        ['ID', h('code', {}, d.id)],
        ['Event', h('code', {}, d.eventId)],
        ['Status', badge(d.status)],
        ['Attempts', String(d.attempts)],
        d.nextAttemptAt && ['Next attempt', time(d.nextAttemptAt)],
        ['Last status code', d.lastStatusCode ? String(d.lastStatusCode) : '—'],
        ['Last latency', `${d.lastLatencyMs} ms`],
        d.lastError && ['Last error', d.lastError],
        ['Created', time(d.createdAt)],
        ['Updated', time(d.updatedAt)],
      ])),
      card('Requests', requests.length === 0 ? empty('No request made yet.') : table('Requests', [
        ['Attempt', (r) => String(r.attempt), 'num'],
        ['At', (r) => time(r.at)],
        ['Status code', (r) => (r.statusCode ? String(r.statusCode) : '—'), 'num'],
        ['Latency', (r) => `${r.latencyMs} ms`, 'num'],
        ['Response', (r) => (r.responseExcerpt ? h('code', {}, r.responseExcerpt) : '—')],
        ['Error', (r) => r.error || '—'],
      ], requests)));
  };
  await draw();
}
