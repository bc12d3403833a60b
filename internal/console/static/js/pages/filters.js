// Filter forms shared by the list pages. Filters live in the URL's query
// (#/verifications?appId=…&status=…), so a filtered view can be bookmarked
// and the back button works; applying one navigates.

import { token } from '../api.js';
import { h, field } from '../dom.js';
import { navigate } from '../router.js';

/** appLabel names an application for a picker. */
export const appLabel = (a) => `${a.name} (${a.environment}${a.status === 'disabled' ? ', disabled' : ''})`;

/** appSelect builds a <select> of applications; allLabel adds an empty "all" option first. */
export function appSelect(apps, selected, allLabel) {
  return h('select', { name: 'appId' },
    allLabel && h('option', { value: '' }, allLabel),
    apps.map((a) => h('option', { value: a.id, selected: a.id === selected }, appLabel(a))));
}

/**
 * appScope picks the application a list page reads: the one in the URL if
 * it is among apps. The operator may read every application at once (an
 * "all" choice, allLabel); a developer reads one at a time (the API
 * answers 400 without appId), so the first application stands in.
 */
export function appScope(apps, query, allLabel = 'All applications') {
  const wanted = query.get('appId') || '';
  if (!token().startsWith('otpd_session_')) return { appId: wanted, allLabel };
  const appId = apps.byId.has(wanted) ? wanted : (apps.list[0]?.id || '');
  return { appId, allLabel: undefined };
}

/** optionSelect builds a <select> of plain values with an optional empty first option. */
export function optionSelect(name, values, selected, allLabel) {
  return h('select', { name },
    allLabel && h('option', { value: '' }, allLabel),
    values.map((v) => h('option', { value: v, selected: v === selected }, v)));
}

/**
 * filterForm lays out [label, control] pairs with an Apply button; applying
 * navigates to path with each control's name=value.
 */
export function filterForm(path, controls, { submitLabel = 'Apply filters', label = 'Filters' } = {}) {
  const form = h('form', { class: 'form-inline', role: 'search', 'aria-label': label },
    controls.map(([text, input, hint]) => field({ label: text, input, hint })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-secondary' }, submitLabel)));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = {};
    for (const [, input] of controls) q[input.name] = input.value.trim();
    navigate(path, q);
  });
  return form;
}
