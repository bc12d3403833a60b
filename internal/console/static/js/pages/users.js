// Users: the destinations that verified, per application, and the lookup
// of one by its phone number or email address.

import { get, enc, applications } from '../api.js';
import { h, pageHeader, card, table, time, num, loading, empty, pager } from '../dom.js';
import { href } from '../router.js';
import { appSelect, filterForm } from './filters.js';

const COLUMNS = [
  ['Phone number or email', (u) => u.phoneNumber],
  ['Verified', (u) => num(u.verifiedCount), 'num'],
  ['By channel', (u) => Object.entries(u.verifiedByChannel).map(([c, n]) => `${c} ${n}`).join(', ')],
  ['First verified', (u) => time(u.firstVerifiedAt)],
  ['Last verified', (u) => time(u.lastVerifiedAt)],
];

/** page is the users page (GET /v1/users?appId=, GET /v1/users/{phoneNumber}?appId=). */
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
  const to = (query.get('to') || '').trim();
  const lookup = h('input', {
    type: 'search', name: 'to', value: to, autocomplete: 'off', spellcheck: 'false', placeholder: '+1 415 555 2671',
  });
  const results = h('div', { id: 'users-results' }, loading());
  body.lastChild.replaceWith(
    filterForm('/users', [
      ['Application', appSelect(apps.list, appId)],
      ['Phone number or email', lookup, 'Leave empty to list every user.'],
    ], { submitLabel: 'Show users', label: 'Choose application and find a user' }),
    results);

  if (to) {
    await showOne(results, appId, to, signal);
    return;
  }
  const q = { appId, limit: 50 };
  const first = await get('/v1/users', { query: q, signal });
  if (first.data.length === 0) {
    results.replaceChildren(empty('No one has verified with this application yet.'));
    return;
  }
  const t = table('Users', COLUMNS, first.data);
  results.replaceChildren(t, pager(first, (cursor) => get('/v1/users', { query: { ...q, cursor }, signal }), t.addRows));
}

// showOne looks one destination up; not found and a malformed number are
// answers to show, not failures of the page.
async function showOne(results, appId, to, signal) {
  try {
    const { data } = await get(`/v1/users/${enc(to)}`, { query: { appId }, signal });
    results.replaceChildren(table('User', COLUMNS, [data]));
  } catch (err) {
    if (err.status === 404) {
      results.replaceChildren(empty(`${to} has not verified with this application.`));
    } else if (err.status === 400) {
      results.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    } else {
      throw err;
    }
  }
}
