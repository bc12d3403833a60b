// Projects: the list, creating one, and a project's page with its
// applications and its settings.

import { get, post, del, enc } from '../api.js';
import {
  h, pageHeader, card, table, time, field, clearErrors, showFormError, busy,
  announce, loading, empty, button, confirmDialog, announceError,
} from '../dom.js';
import { href, navigate } from '../router.js';
import { createApplicationForm, applicationsTable } from './applications.js';
import { settingsForm } from './settings.js';
import { geoForm } from './geo.js';
import { fraudLists } from './fraudlists.js';
import { blocksTab } from './blocks.js';
import { budgetsTab } from './budgets.js';

/** list is the projects page. */
export async function list({ main, signal }) {
  main.append(pageHeader({ title: 'Projects', lede: 'A project holds applications and the verification policy they share.' }));

  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const description = h('input', { type: 'text', name: 'description', maxlength: '500', autocomplete: 'off' });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      field({ label: 'Name', input: name, name: 'name' }),
      field({ label: 'Description', input: description, name: 'description', hint: 'Optional.' })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Create project')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await post('/v1/projects', { name: name.value.trim(), description: description.value.trim() });
        announce(`Project “${data.name}” created.`, 'ok');
        navigate(`/projects/${enc(data.id)}`);
      } catch (err) {
        showFormError(form, err);
      }
    });
  });

  const listCard = card('All projects', loading());
  main.append(card('New project', form), listCard);

  const { data } = await get('/v1/projects', { signal });
  listCard.lastChild.replaceWith(data.length === 0
    ? empty('No projects yet. Create the first one above.')
    : table('Projects', [
      ['Name', (p) => h('a', { href: href(`/projects/${enc(p.id)}`) }, p.name)],
      ['Description', (p) => p.description || h('span', { class: 'muted' }, '—')],
      ['Code', (p) => `${p.policy.codeLength} digits, ${p.policy.ttl} s`],
      ['Channels', (p) => (p.policy.channels.length ? p.policy.channels.join(' → ') : 'all')],
      ['Created', (p) => time(p.createdAt)],
    ], data));
}

/** detail is a project's page; tab is "applications", "settings", "geo", "test-numbers", "budgets" or "blocks". */
export async function detail({ main, params, signal }, tab) {
  const header = pageHeader({ title: 'Project', crumbs: [['Projects', href('/projects')]] });
  main.append(header);
  const body = h('div', {}, loading());
  main.append(body);

  const { data: project } = await get(`/v1/projects/${enc(params.id)}`, { signal });
  header.querySelector('h1').textContent = project.name;
  document.title = `${project.name} · otpd console`;
  if (project.description) header.querySelector('h1').after(h('p', { class: 'lede' }, project.description));
  header.append(h('div', { class: 'actions' }, button('Delete project', () => removeProject(project), { kind: 'danger' })));

  const base = `/projects/${enc(project.id)}`;
  const sub = h('nav', { class: 'subnav', 'aria-label': 'Project sections' },
    h('a', { href: href(base), 'aria-current': tab === 'applications' ? 'page' : undefined }, 'Applications'),
    h('a', { href: href(`${base}/settings`), 'aria-current': tab === 'settings' ? 'page' : undefined }, 'Settings'),
    h('a', { href: href(`${base}/geo`), 'aria-current': tab === 'geo' ? 'page' : undefined }, 'Geo permissions'),
    h('a', { href: href(`${base}/test-numbers`), 'aria-current': tab === 'test-numbers' ? 'page' : undefined }, 'Test numbers & safelist'),
    h('a', { href: href(`${base}/budgets`), 'aria-current': tab === 'budgets' ? 'page' : undefined }, 'Send budgets'),
    h('a', { href: href(`${base}/blocks`), 'aria-current': tab === 'blocks' ? 'page' : undefined }, 'Blocked prefixes'));
  body.replaceChildren(sub);

  if (tab === 'budgets') {
    await budgetsTab(body, project, signal);
    return;
  }
  if (tab === 'blocks') {
    await blocksTab(body, project, signal);
    return;
  }

  if (tab === 'settings') {
    body.append(settingsForm(project));
    return;
  }
  if (tab === 'geo') {
    body.append(await geoForm(project, signal));
    return;
  }
  if (tab === 'test-numbers') {
    await fraudLists(body, project, signal);
    return;
  }

  const appsCard = card('Applications', loading());
  const reload = async () => {
    const { data: apps } = await get('/v1/applications', { query: { projectId: project.id }, signal });
    appsCard.lastChild.replaceWith(apps.length === 0 ? empty('No applications in this project yet.') : applicationsTable(apps));
  };
  const form = createApplicationForm({ projectId: project.id, onCreated: () => reload().catch(announceError) });
  body.append(card('New application', form), appsCard);
  await reload();
}

async function removeProject(project) {
  const ok = await confirmDialog('Delete project?', `Delete the project “${project.name}”? A project that still has applications cannot be deleted.`, { confirmLabel: 'Delete project', danger: true });
  if (!ok) return;
  try {
    await del(`/v1/projects/${enc(project.id)}`);
    announce(`Project “${project.name}” deleted.`, 'ok');
    navigate('/projects');
  } catch (err) {
    announceError(err);
  }
}
