// Logs: the event feed of every application, or of one.

import { get, enc, applications } from '../api.js';
import { h, pageHeader, card, time, badge, loading, empty, pager } from '../dom.js';
import { href } from '../router.js';
import { appSelect, optionSelect, filterForm, appScope } from './filters.js';

// EVENT_TYPES are the types GET /v1/logs?type= accepts, in the order a
// verification meets them.
const EVENT_TYPES = ['otp.created', 'otp.sent', 'otp.delivered', 'otp.failed', 'otp.verified', 'otp.expired', 'otp.max_attempts', 'otp.canceled', 'fraud.blocked', 'fraud.released'];

/** page is the logs page (GET /v1/logs). */
export async function page({ main, query, signal }) {
  const type = EVENT_TYPES.includes(query.get('type')) ? query.get('type') : '';
  main.append(pageHeader({ title: 'Logs', lede: 'What happened to verifications, newest first.' }));
  const body = card('Events', loading());
  main.append(body);

  const apps = await applications(signal);
  const { appId, allLabel } = appScope(apps, query);
  const results = h('div', {}, loading());
  body.lastChild.replaceWith(
    filterForm('/logs', [
      ['Application', appSelect(apps.list, appId, allLabel)],
      ['Event type', optionSelect('type', EVENT_TYPES, type, 'Any type')],
    ], { label: 'Filter events' }),
    results);

  const q = { appId, type, limit: 50 };
  const first = await get('/v1/logs', { query: q, signal });
  if (first.data.length === 0) {
    results.replaceChildren(empty(appId || type ? 'No events match these filters.' : 'No events yet.'));
    return;
  }
  const feed = h('ol', { class: 'feed', 'aria-label': 'Events' });
  const add = (rows) => {
    let firstNew = null;
    for (const e of rows) {
      const li = h('li', {},
        h('div', { class: 'feed-meta' }, time(e.createdAt)),
        h('div', {},
          h('code', {}, e.type), ' ', badge(e.status), ' ',
          h('span', { class: 'muted' }, [e.channel, e.to, e.block && `${e.block.prefix}: ${e.block.reason}`].filter(Boolean).join(' · ')),
          h('div', { class: 'small' },
            e.verificationId && h('a', { href: href(`/verifications/${enc(e.verificationId)}`) }, e.verificationId),
            ' ', h('span', { class: 'muted' }, apps.byId.get(e.appId)?.name || e.appId))));
      firstNew = firstNew || li;
      feed.append(li);
    }
    return firstNew;
  };
  add(first.data);
  results.replaceChildren(feed, pager(first, (cursor) => get('/v1/logs', { query: { ...q, cursor }, signal }), add));
}
