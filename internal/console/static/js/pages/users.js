// Users: the destinations that verified, per application.

import { get, applications } from '../api.js';
import { h, pageHeader, card, table, time, num, loading, empty, pager } from '../dom.js';
import { href } from '../router.js';
import { appSelect, filterForm } from './filters.js';

/** page is the users page (GET /v1/users?appId=). */
export async function page({ main, query, signal }) {
  main.append(pageHeader({ title: 'Users', lede: 'Phone numbers and email addresses that verified, the most recent first.' }));
  const body = card('Users', loading());
  main.append(body);

  const apps = await applications(signal);
  if (apps.list.length === 0) {
    body.lastChild.replaceWith(h('p', {}, 'Users belong to an application. ', h('a', { href: href('/applications') }, 'Create one'), ' first.'));
    return;
  }
  // The API needs an application; without one in the URL, take the first.
  const appId = apps.byId.has(query.get('appId')) ? query.get('appId') : apps.list[0].id;
  const results = h('div', {}, loading());
  body.lastChild.replaceWith(
    filterForm('/users', [['Application', appSelect(apps.list, appId)]], { submitLabel: 'Show users', label: 'Choose application' }),
    results);

  const q = { appId, limit: 50 };
  const first = await get('/v1/users', { query: q, signal });
  if (first.data.length === 0) {
    results.replaceChildren(empty('No one has verified with this application yet.'));
    return;
  }
  const t = table('Users', [
    ['Phone number or email', (u) => u.phoneNumber],
    ['Verified', (u) => num(u.verifiedCount), 'num'],
    ['By channel', (u) => Object.entries(u.verifiedByChannel).map(([c, n]) => `${c} ${n}`).join(', ')],
    ['First verified', (u) => time(u.firstVerifiedAt)],
    ['Last verified', (u) => time(u.lastVerifiedAt)],
  ], first.data);
  results.replaceChildren(t, pager(first, (cursor) => get('/v1/users', { query: { ...q, cursor }, signal }), t.addRows));
}
