// The console's entry point: the sign-in gate, the routes, the main
// navigation, and focus management between pages.

import { token, clearToken, post } from './api.js';
import { forgetApiKeys } from './keys.js';
import { announce, announceError, clear, clearStaleStatus, empty } from './dom.js';
import { route, current, match, navigate } from './router.js';
import * as signin from './pages/signin.js';
import * as projects from './pages/projects.js';
import * as applications from './pages/applications.js';
import * as verifications from './pages/verifications.js';
import * as webhooks from './pages/webhooks.js';
import * as analytics from './pages/analytics.js';
import * as users from './pages/users.js';
import * as logs from './pages/logs.js';

route('/projects', 'projects', projects.list);
route('/projects/:id', 'projects', (ctx) => projects.detail(ctx, 'applications'));
route('/projects/:id/settings', 'projects', (ctx) => projects.detail(ctx, 'settings'));
route('/projects/:id/geo', 'projects', (ctx) => projects.detail(ctx, 'geo'));
route('/projects/:id/test-numbers', 'projects', (ctx) => projects.detail(ctx, 'test-numbers'));
route('/projects/:id/budgets', 'projects', (ctx) => projects.detail(ctx, 'budgets'));
route('/projects/:id/blocks', 'projects', (ctx) => projects.detail(ctx, 'blocks'));
route('/applications', 'applications', applications.list);
route('/applications/:id', 'applications', applications.detail);
route('/verifications', 'verifications', verifications.list);
route('/verifications/:id', 'verifications', verifications.detail);
route('/webhooks', 'webhooks', webhooks.list);
route('/webhooks/:id', 'webhooks', webhooks.detail);
route('/webhooks/:id/deliveries/:deliveryId', 'webhooks', webhooks.delivery);
route('/analytics', 'analytics', analytics.page);
route('/users', 'users', users.page);
route('/logs', 'logs', logs.page);

const main = document.getElementById('content');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('sign-out');
const signOutAllButton = document.getElementById('sign-out-all');

let controller = null;
let first = true;

function setSignedIn(on) {
  nav.hidden = !on;
  signOutButton.hidden = !on;
  // Only a developer's session has other sessions to end.
  signOutAllButton.hidden = !on || !token().startsWith('otpd_session_');
}

function markSection(section) {
  for (const a of nav.querySelectorAll('a[data-section]')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// render shows the page for the current hash. A newer navigation aborts
// the requests of the page it replaces, so a slow answer never paints over
// the page the user moved on to.
function render() {
  if (controller) controller.abort();
  controller = new AbortController();
  const { path, query } = current();
  clear(main);
  clearStaleStatus();

  if (!token()) {
    setSignedIn(false);
    markSection('');
    document.title = 'Sign in · otpd console';
    signin.render({ main, next: path === '/signin' ? '/projects' : path, query });
    focusHeading();
    return;
  }
  setSignedIn(true);
  if (path === '/' || path === '/signin') {
    navigate('/projects');
    return;
  }
  const r = match(path);
  if (!r) {
    markSection('');
    document.title = 'Not found · otpd console';
    main.append(notFound());
    focusHeading();
    return;
  }
  markSection(r.section);
  const ctx = { main, params: r.params, query, signal: controller.signal };
  // Pages build their heading before their first await, so it exists now.
  const done = r.render(ctx);
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : 'otpd'} · otpd console`;
  focusHeading();
  Promise.resolve(done).catch((err) => {
    if (err?.name === 'AbortError' || err?.signedOut) return;
    announceError(err);
    // Whatever was still loading will not come: say so in its place.
    for (const el of main.querySelectorAll('.loading')) el.replaceWith(empty(`Could not load this: ${err?.message || err}`));
  });
}

// focusHeading moves focus to the new page's heading so screen readers
// announce it and Tab starts from the page, not from the link clicked.
function focusHeading() {
  if (first) {
    first = false;
    return;
  }
  // A page that focused a control of its own (sign-in's token field) keeps it.
  if (main.contains(document.activeElement) && document.activeElement !== main) return;
  const h1 = main.querySelector('h1');
  if (h1) h1.focus();
}

function notFound() {
  const wrap = document.createElement('div');
  const h1 = document.createElement('h1');
  h1.tabIndex = -1;
  h1.textContent = 'Page not found';
  const p = document.createElement('p');
  const a = document.createElement('a');
  a.href = '#/projects';
  a.textContent = 'Go to projects';
  p.append(a);
  wrap.append(h1, p);
  return wrap;
}

function signOut(message) {
  clearToken();
  forgetApiKeys();
  announce(message, message ? 'info' : undefined);
  if (current().path === '/signin') render();
  else navigate('/signin');
}

signOutButton.addEventListener('click', async () => {
  // A developer's session is ended on the server too; the admin token is not a session.
  if (token().startsWith('otpd_session_')) {
    try {
      await post('/v1/auth/logout', {});
    } catch {
      // Signed out here all the same; the session expires on its own.
    }
  }
  signOut('You are signed out.');
});
signOutAllButton.addEventListener('click', async () => {
  // Ends every session of the account on the server, this one included.
  try {
    await post('/v1/auth/logout-all', {});
  } catch (err) {
    announceError(err);
    return;
  }
  signOut('You are signed out everywhere.');
});
window.addEventListener('otpd:signed-out', () => {
  forgetApiKeys();
  announce('The console token was not accepted (it may have changed). Sign in again.', 'error');
  render();
});
window.addEventListener('hashchange', () => {
  render();
});

render();
