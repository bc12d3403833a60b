// Verifications of every application (GET /v1/otp), one verification with
// its events and messages, and the "send test verification" form.

import { get, enc, applications, appName } from '../api.js';
import {
  h, pageHeader, card, table, kv, time, badge, money, loading, empty, pager,
} from '../dom.js';
import { href } from '../router.js';
import { appSelect, optionSelect, filterForm, appScope } from './filters.js';
import { sendTestCard } from './sendtest.js';

const STATUSES = ['pending', 'verified', 'expired', 'canceled', 'max_attempts'];

/** list is the verifications page. */
export async function list({ main, query, signal }) {
  const status = query.get('status') || '';
  main.append(pageHeader({ title: 'Verifications', lede: 'Codes sent by every application, newest first.' }));
  const testCard = card('Send a test verification', loading());
  const listCard = card('Recent verifications', loading());
  main.append(testCard, listCard);

  const apps = await applications(signal);
  const { appId, allLabel } = appScope(apps, query);
  const filters = filterForm('/verifications', [
    ['Application', appSelect(apps.list, appId, allLabel)],
    ['Status', optionSelect('status', STATUSES, status, 'Any status')],
  ], { label: 'Filter verifications' });

  const results = h('div', { id: 'verifications-results' }, loading());
  listCard.lastChild.replaceWith(filters, results);

  const load = async () => {
    const q = { appId, status, limit: 20 };
    const first = await get('/v1/otp', { query: q, signal });
    if (first.data.length === 0) {
      results.replaceChildren(empty(appId || status ? 'No verifications match these filters.' : 'No verifications yet.'));
      return;
    }
    const t = verificationsTable(first.data, apps.byId);
    results.replaceChildren(t, pager(first, (cursor) => get('/v1/otp', { query: { ...q, cursor }, signal }), t.addRows));
  };

  testCard.lastChild.replaceWith(sendTestCard(apps.list, appId, () => load()));
  await load();
}

function verificationsTable(rows, appsById) {
  return table('Verifications', [
    ['ID', (v) => h('a', { href: href(`/verifications/${enc(v.id)}`) }, h('code', {}, v.id))],
    ['Application', (v) => appsById.get(v.appId)?.name || v.appId],
    ['To', (v) => v.to],
    ['Channel', (v) => v.channel],
    ['Status', (v) => badge(v.status)],
    ['Delivery', (v) => badge(v.deliveryStatus)],
    ['Created', (v) => time(v.createdAt)],
  ], rows);
}

/** detail is one verification with its events and the messages sent for it. */
export async function detail({ main, params, signal }) {
  const header = pageHeader({ title: 'Verification', crumbs: [['Verifications', href('/verifications')]] });
  const body = h('div', {}, loading());
  main.append(header, body);

  const { data: v } = await get(`/v1/otp/${enc(params.id)}`, { signal });
  const app = await appName(v.appId, signal);
  header.querySelector('h1').after(h('p', { class: 'lede' }, h('code', {}, v.id), ' ', badge(v.status)));

  const eventsCard = card('Events', loading());
  const messagesCard = card('Messages', loading());
  body.replaceChildren(
    h('div', { class: 'grid-2' },
      card('Verification', kv([
        ['Application', h('a', { href: href(`/applications/${enc(v.appId)}`) }, app)],
        ['To', v.to],
        ['Channel', v.channel],
        ['Purpose', v.purpose],
        ['Locale', v.locale],
        ['Status', badge(v.status)],
        ['Attempts', `${v.attempts} (${v.attemptsRemaining} left)`],
        ['Resends', String(v.resends)],
        v.transaction && ['Transaction', `${v.transaction.amount} to ${v.transaction.payee}`],
        v.callerId && ['Caller ID', v.callerId],
        v.fallback && ['Fallback', v.fallback.map((s) => s.channel).join(' → ') + ` (step ${v.fallbackStep + 1})`],
        v.metadata && ['Metadata', h('code', {}, JSON.stringify(v.metadata))],
      ])),
      card('Delivery', kv([
        ['Delivery status', badge(v.deliveryStatus)],
        ['Country', v.country || '—'],
        ['Carrier', v.carrier || '—'],
        ['Cost', money(v.cost)],
        ['Created', time(v.createdAt)],
        ['Sent', time(v.sentAt)],
        ['Delivered', time(v.deliveredAt)],
        ['Verified', time(v.verifiedAt)],
        ['Expires', time(v.expiresAt)],
        v.lastError && ['Last error', v.lastError],
      ]))),
    eventsCard,
    messagesCard);

  // Both reads are small: a verification has a handful of events and
  // messages. Events come from the log newest first; the page tells them
  // in the order they happened.
  const [events, messages] = await Promise.all([
    get('/v1/logs', { query: { verificationId: v.id, limit: 200 }, signal }),
    get(`/v1/verifications/${enc(v.id)}/messages`, { query: { appId: v.appId }, signal }),
  ]);
  eventsCard.lastChild.replaceWith(h('div', {},
    events.pagination?.hasMore && h('p', { class: 'hint' }, 'Only the latest 200 events are shown.'),
    events.data.length === 0 ? empty('No events found.') : table('Events', [
      ['Time', (e) => time(e.createdAt)],
      ['Event', (e) => h('code', {}, e.type)],
    ], events.data.slice().reverse())));
  messagesCard.lastChild.replaceWith(messages.data.length === 0
    ? empty('No message sent yet: delivery runs a moment after the request.')
    : table('Messages', [
      ['Channel', (m) => m.channel],
      ['To', (m) => m.to],
      ['Provider', (m) => m.provider],
      ['Status', (m) => badge(m.status)],
      ['Attempt', (m) => String(m.attempt ?? m.attempts), 'num'],
      ['Cost', (m) => money(m.cost)],
      ['Sent', (m) => time(m.sentAt)],
      ['Next attempt', (m) => time(m.nextAttemptAt)],
      ['Delivered', (m) => time(m.deliveredAt)],
      ['Error', (m) => m.error || '—'],
    ], messages.data));
}
