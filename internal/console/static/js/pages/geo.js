// A project's geo permissions and number types (GET and PUT
// /v1/projects/{id}/fraud/geo): where each phone channel may send, and
// which kinds of numbers. Within a rule set the longest matching prefix
// rule decides, then the country list; a channel without rules of its
// own follows the default ones. Field errors come back as details.field
// paths ("geo.sms.prefixes[1].prefix"), matched to the data-field
// attributes below by their shorter forms.

import { get, put, enc } from '../api.js';
import { h, id, field, clearErrors, showFormError, busy, announce } from '../dom.js';

const RULE_SETS = [
  ['default', 'Default rules', 'The rules of every phone channel that has none of its own. Email has no country and is never refused here.'],
  ['sms', 'SMS'],
  ['voice', 'Voice'],
  ['whatsapp', 'WhatsApp'],
  ['telegram', 'Telegram'],
];

const MODES = [
  ['all', 'Every country'],
  ['allow', 'Only those listed'],
  ['deny', 'All but those listed'],
];

const NUMBER_TYPES = [
  ['mobile', 'Mobile'],
  ['fixed_line', 'Fixed line'],
  ['fixed_line_or_mobile', 'Fixed line or mobile (where the two share ranges, as in the US)'],
  ['voip', 'VoIP'],
  ['personal_number', 'Personal (forwarding) numbers, such as UK +4470'],
  ['pager', 'Pagers'],
  ['toll_free', 'Toll free'],
  ['premium_rate', 'Premium rate'],
  ['shared_cost', 'Shared cost'],
  ['uan', 'Universal access numbers (UAN)'],
  ['voicemail', 'Voicemail access'],
  ['unknown', 'Unclassified'],
];

/** geoForm loads and edits the geo settings of project. */
export async function geoForm(project, signal) {
  const { data } = await get(`/v1/projects/${enc(project.id)}/fraud/geo`, { signal });
  const editors = RULE_SETS.map(([key, title, hint]) => rulesEditor(key, title, hint, data.geo[key]));
  const allowed = new Set(data.numberTypes.allowed);
  const typeBoxes = NUMBER_TYPES.map(([value, label]) => {
    const box = h('input', { type: 'checkbox', id: id('type'), value, checked: allowed.has(value) });
    return { box, el: h('label', { class: 'check', for: box.id }, box, label) };
  });

  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'hint' },
      'A send where these rules refuse is answered 403 GEO_NOT_ALLOWED (or NUMBER_TYPE_NOT_ALLOWED) before anything is stored or charged. ',
      'In a rule set the longest prefix rule that matches a number decides, allow or deny; without one, the country list does. ',
      'The policy’s Countries setting still applies to every channel on top of these rules.'),
    editors.map((e) => e.element),
    h('fieldset', { dataset: { field: 'numberTypes.allowed' } },
      h('legend', {}, 'Number types'),
      h('p', { class: 'hint' }, 'The kinds of phone numbers codes may go to. Premium-rate, shared-cost and similar numbers earn their owner money per message or call: SMS pumping rents them. Leave all unticked for the default (mobile, fixed line, VoIP).'),
      h('div', { class: 'check-list' }, typeBoxes.map((t) => t.el))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Save geo permissions')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const geo = {};
    for (const e of editors) {
      const v = e.value();
      if (v && v.error) {
        showFormError(form, v);
        return;
      }
      geo[e.key] = v;
    }
    const body = { geo, numberTypes: { allowed: typeBoxes.filter((t) => t.box.checked).map((t) => t.box.value) } };
    busy(form, async () => {
      try {
        const { data: saved } = await put(`/v1/projects/${enc(project.id)}/fraud/geo`, body);
        const kept = new Set(saved.numberTypes.allowed);
        for (const t of typeBoxes) t.box.checked = kept.has(t.box.value);
        announce('Geo permissions saved.', 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

/**
 * rulesEditor edits one rule set. A channel's set has a checkbox for
 * rules of its own; unticked, value() is null (it follows the default).
 */
function rulesEditor(key, title, hint, rules) {
  const path = `geo.${key}`;
  const own = key === 'default' ? null : h('input', { type: 'checkbox', id: id('own'), checked: rules !== null });
  const r = rules || { mode: 'all', countries: [], prefixes: [] };
  const mode = h('select', {}, MODES.map(([value, label]) => h('option', { value, selected: value === r.mode }, label)));
  const countries = h('input', { type: 'text', value: r.countries.join(' '), autocomplete: 'off', spellcheck: 'false', placeholder: 'GB IE' });
  const prefixes = h('textarea', { rows: '3', spellcheck: 'false', autocomplete: 'off', placeholder: '+4470 deny\n+3538 allow' });
  prefixes.value = r.prefixes.map((p) => `${p.prefix} ${p.action}`).join('\n');

  const body = h('div', { class: 'form-grid', hidden: own !== null && !own.checked },
    field({ label: 'Countries', input: mode, name: `${path}.mode` }),
    field({ label: 'Country list', input: countries, name: `${path}.countries`, hint: 'ISO codes such as GB IE, read by the choice beside.' }),
    field({ label: 'Prefix rules', input: prefixes, name: `${path}.prefixes`, hint: 'One a line: + and 3 to 7 digits, then allow or deny, such as +4470 deny.' }));
  if (own) own.addEventListener('change', () => { body.hidden = !own.checked; });

  const lid = id('legend');
  const element = h('fieldset', { 'aria-labelledby': lid, dataset: { geo: key } },
    h('legend', { id: lid }, title),
    hint ? h('p', { class: 'hint' }, hint) : null,
    own ? h('div', { class: 'field', dataset: { field: path } },
      h('label', { class: 'check', for: own.id }, own, `${title} has rules of its own (otherwise it follows the default rules)`)) : null,
    body);

  return {
    key,
    element,
    value() {
      if (own && !own.checked) return null;
      const out = {
        mode: mode.value,
        countries: countries.value.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase()),
        prefixes: [],
      };
      const lines = prefixes.value.split('\n').map((l) => l.trim()).filter(Boolean);
      for (const [i, line] of lines.entries()) {
        const [prefix, action = '', ...rest] = line.split(/\s+/);
        if (rest.length || (action !== 'allow' && action !== 'deny')) {
          return { error: `Line ${i + 1}: write a prefix and allow or deny, such as +4470 deny.`, field: `${path}.prefixes` };
        }
        out.prefixes.push({ prefix, action });
      }
      return out;
    },
  };
}
