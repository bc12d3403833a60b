// A project's send budgets and pumping detector (issue 16), saved with
// PUT /v1/projects/{id}/fraud/budgets and /fraud/detector. The budgets
// set by hand sit beside the ones the detector learnt from history (read
// only here: the detector alone writes them). dailySends is the
// operator's: a developer sees it and sends it back unchanged, and the
// API answers a change 403 operator_only, shown by the field. Field
// errors come back as details.field paths ("rules[1].prefix",
// "detector.minSends"), which match the data-field attributes below.

import { get, put, enc, isOperator } from '../api.js';
import {
  h, id, card, table, time, field, clearErrors, showFormError, busy,
  announce, button, loading, empty, num,
} from '../dom.js';

const MODES = [
  ['enforce', 'Enforce: refuse the send'],
  ['monitor', 'Monitor: send it and flag it'],
];

/** budgetsTab renders the budgets, the learnt budgets and the detector of project into body. */
export async function budgetsTab(body, project, signal) {
  const budgetsCard = card('Send budgets', loading());
  const learntCard = card('Learnt budgets', loading());
  const detectorCard = card('Pumping detector', loading());
  body.append(budgetsCard, learntCard, detectorCard);
  const base = `/v1/projects/${enc(project.id)}/fraud`;
  const [{ data: budgets }, { data: detector }] = await Promise.all([
    get(`${base}/budgets`, { signal }),
    get(`${base}/detector`, { signal }),
  ]);
  budgetsCard.lastChild.replaceWith(budgetsForm(`${base}/budgets`, budgets));
  learntCard.lastChild.replaceWith(learntTable(budgets));
  detectorCard.lastChild.replaceWith(detectorForm(`${base}/detector`, detector));
}

// count reads a number input: empty is 0 (the API's "none" or "default").
const count = (input) => (input.value.trim() === '' ? 0 : Number(input.value));

function numberInput(value, props = {}) {
  return h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', value: String(value ?? 0), ...props });
}

// scopeOf reads what a person typed as a rule's scope: a prefix starts
// with + (or a digit, the + forgotten); anything else is a country code.
function scopeOf(text) {
  const s = text.trim();
  if (/^[+0-9]/.test(s)) return { prefix: s.startsWith('+') ? s : `+${s}` };
  return { country: s.toUpperCase() };
}

// budgetsForm edits the mode, the rules set by hand and the limits.
function budgetsForm(path, initial) {
  const operator = isOperator();
  const mode = h('select', {}, MODES.map(([value, label]) => h('option', { value, selected: value === initial.mode }, label)));

  const rows = [];
  const list = h('div', { class: 'budget-rules' });
  const renumber = () => rows.forEach((r, i) => r.renumber(i));
  const addRow = (rule) => {
    const scope = h('input', { type: 'text', value: rule.prefix || rule.country || '', autocomplete: 'off', spellcheck: 'false', maxlength: '8', placeholder: 'GB or +4477' });
    // Empty is no budget for that period (the API leaves 0 out).
    const perHour = numberInput(rule.perHour || '', { placeholder: 'none' });
    const perDay = numberInput(rule.perDay || '', { placeholder: 'none' });
    const scopeField = field({ label: 'Country or prefix', input: scope, hint: 'An ISO code such as GB, or + and 3 to 7 digits such as +4477.' });
    const hourField = field({ label: 'Sends an hour', input: perHour, hint: 'Empty: no hourly budget.' });
    const dayField = field({ label: 'Sends a day', input: perDay, hint: 'Empty: no daily budget.' });
    const lid = id('rule');
    const legend = h('legend', { id: lid });
    const row = {
      scope,
      value: () => ({ ...scopeOf(scope.value), perHour: count(perHour), perDay: count(perDay) }),
      renumber: (i) => {
        legend.textContent = `Rule ${i + 1}`;
        row.element.dataset.field = `rules[${i}]`;
        // The API names the scope's field by its kind.
        scopeField.dataset.field = `rules[${i}].${'prefix' in scopeOf(scope.value) ? 'prefix' : 'country'}`;
        hourField.dataset.field = `rules[${i}].perHour`;
        dayField.dataset.field = `rules[${i}].perDay`;
      },
    };
    row.element = h('fieldset', { class: 'template-row', 'aria-labelledby': lid }, legend,
      h('div', { class: 'form-grid' }, scopeField, hourField, dayField),
      h('div', { class: 'form-actions' }, button('Remove rule', () => {
        rows.splice(rows.indexOf(row), 1);
        row.element.remove();
        renumber();
        addButton.focus();
      }, { small: true })));
    rows.push(row);
    list.append(row.element);
    renumber();
    return row;
  };
  const addButton = button('Add rule', () => addRow({}).scope.focus());
  for (const r of initial.rules) addRow(r);

  const ipPerHour = numberInput(initial.ipPerHour);
  const guessesPerHour = numberInput(initial.guessesPerHour);
  // A developer's copy is read-only: the operator sets it, and the form
  // sends back the value it read.
  const dailySends = numberInput(initial.dailySends, { readOnly: !operator });
  let dailyRead = initial.dailySends;

  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Send budgets' },
    h('p', { class: 'hint' },
      'The sends an hour and a day that are normal for a country or a prefix. A rule set here wins over a budget the pumping detector learnt for the same country or prefix. ',
      'Destinations on the safelist skip these budgets.'),
    h('div', { class: 'form-grid' },
      field({ label: 'Beyond a budget', input: mode, name: 'mode', hint: 'Enforce answers 429 SEND_BUDGET_EXCEEDED; monitor sends and emits fraud.flagged. Monitor first to see what a budget would refuse, then enforce.' })),
    h('fieldset', { dataset: { field: 'rules' } },
      h('legend', {}, 'Rules by country and prefix'),
      list,
      h('div', { class: 'form-actions' }, addButton)),
    h('div', { class: 'form-grid' },
      field({ label: 'Sends an hour from one client address', input: ipPerHour, name: 'ipPerHour', hint: 'When the caller passes remoteIp; an IPv6 /64 is one address. 0: the default, 10.' }),
      field({ label: 'Wrong codes an hour to one destination', input: guessesPerHour, name: 'guessesPerHour', hint: 'Beyond them the destination is refused new verifications for an hour (429 GUESS_BUDGET_EXCEEDED). 0: the default, 15.' }),
      field({
        label: 'Sends a day (the whole project)', input: dailySends, name: 'dailySends',
        hint: operator ? 'The operator’s bound on the project’s sends a day; 0 is no bound.' : 'Set by the operator: ask them to change it. 0 is no bound.',
      })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Save send budgets')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    renumber();
    const body = {
      mode: mode.value,
      rules: rows.map((r) => r.value()),
      ipPerHour: count(ipPerHour),
      guessesPerHour: count(guessesPerHour),
      dailySends: operator ? count(dailySends) : dailyRead,
    };
    busy(form, async () => {
      try {
        const { data } = await put(path, body);
        // Show what is stored: the defaults filled in, the prefixes as kept.
        ipPerHour.value = String(data.ipPerHour);
        guessesPerHour.value = String(data.guessesPerHour);
        dailySends.value = String(data.dailySends);
        dailyRead = data.dailySends;
        announce(`Send budgets saved (${data.rules.length} ${data.rules.length === 1 ? 'rule' : 'rules'}, ${data.mode}).`, 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

// learntTable shows the budgets the detector learnt, and when.
function learntTable(budgets) {
  const about = h('p', { class: 'hint' },
    'Learnt every hour by the pumping detector from the project’s past sends that converted normally; a budget applies to a country or prefix without a rule of its own. ',
    budgets.learntAt ? ['Last learnt ', time(budgets.learntAt), '.'] : null);
  if (budgets.learnt.length === 0) {
    return h('div', {}, about, empty('No budget learnt yet: the detector learns them once the project has a history of sends.'));
  }
  return h('div', {}, about, table('Learnt budgets', [
    ['Scope', (r) => (r.prefix ? h('code', {}, r.prefix) : r.country)],
    ['Sends an hour', (r) => (r.perHour ? num(r.perHour) : h('span', { class: 'muted' }, '—')), 'num'],
    ['Sends a day', (r) => (r.perDay ? num(r.perDay) : h('span', { class: 'muted' }, '—')), 'num'],
  ], budgets.learnt));
}

// detectorForm edits the pumping detector's settings.
function detectorForm(path, initial) {
  const enabled = h('input', { type: 'checkbox', id: id('det'), checked: initial.enabled });
  const minSends = numberInput(initial.minSends);
  const conversionRatio = h('input', { type: 'number', min: '0', max: '1', step: '0.01', inputmode: 'decimal', value: String(initial.conversionRatio) });
  const volumeFactor = h('input', { type: 'number', min: '0', step: '0.1', inputmode: 'decimal', value: String(initial.volumeFactor) });
  const coolingMinutes = numberInput(initial.coolingMinutes);

  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Pumping detector' },
    h('p', { class: 'hint' },
      'Every minute the detector compares each prefix’s last hour with its usual traffic. A prefix whose codes stop being typed while its sends rise is blocked for the cooling period (429 PREFIX_BLOCKED); see Blocked prefixes. A field left at 0 takes its default.'),
    h('div', { class: 'field', dataset: { field: 'detector.enabled' } },
      h('label', { class: 'check', for: enabled.id }, enabled, 'Block prefixes that look pumped')),
    h('div', { class: 'form-grid' },
      field({ label: 'Least sends an hour', input: minSends, name: 'detector.minSends', hint: 'A prefix with fewer sends in the last hour is never blocked (default 50).' }),
      field({ label: 'Conversion ratio', input: conversionRatio, name: 'detector.conversionRatio', hint: 'Suspect below this share of the prefix’s usual conversion, 0 to 1 (default 0.25).' }),
      field({ label: 'Volume factor', input: volumeFactor, name: 'detector.volumeFactor', hint: '… and above this many times its usual hourly sends (default 3).' }),
      field({ label: 'Cooling period (minutes)', input: coolingMinutes, name: 'detector.coolingMinutes', hint: 'How long the detector’s block lasts (default 60).' })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Save detector settings')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = {
      enabled: enabled.checked,
      minSends: count(minSends),
      conversionRatio: count(conversionRatio),
      volumeFactor: count(volumeFactor),
      coolingMinutes: count(coolingMinutes),
    };
    busy(form, async () => {
      try {
        const { data } = await put(path, body);
        // Show the settings as they apply, defaults filled in.
        enabled.checked = data.enabled;
        minSends.value = String(data.minSends);
        conversionRatio.value = String(data.conversionRatio);
        volumeFactor.value = String(data.volumeFactor);
        coolingMinutes.value = String(data.coolingMinutes);
        announce(data.enabled ? 'Pumping detector settings saved.' : 'Pumping detector turned off for this project.', 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}
