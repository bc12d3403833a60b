// A project's test numbers and safelist (issue 16), saved with PUT
// /v1/projects/{id}/fraud/test-numbers and /fraud/safelist. A test number
// is a destination with a fixed code that never sends and counts against
// nothing (for app-store reviewers and end-to-end tests); the safelist
// skips the send budgets, not the geo rules. Field errors come back as
// details.field paths ("testNumbers[1].code", "safelist[0]"), which match
// the data-field attributes below.

import { get, request, enc } from '../api.js';
import { h, id, card, field, clearErrors, showFormError, busy, announce, button, loading } from '../dom.js';

/** fraudLists renders both cards of project into body. */
export async function fraudLists(body, project, signal) {
  const numbersCard = card('Test numbers', loading());
  const safelistCard = card('Safelist', loading());
  body.append(numbersCard, safelistCard);
  const base = `/v1/projects/${enc(project.id)}/fraud`;
  const [{ data: numbers }, { data: safe }] = await Promise.all([
    get(`${base}/test-numbers`, { signal }),
    get(`${base}/safelist`, { signal }),
  ]);
  numbersCard.lastChild.replaceWith(testNumbersForm(base, numbers.testNumbers));
  safelistCard.lastChild.replaceWith(safelistForm(base, safe.safelist));
}

// testNumbersForm edits the test numbers as rows of a destination and its code.
function testNumbersForm(base, initial) {
  const rows = [];
  const list = h('div', { class: 'test-number-rows' });
  const renumber = () => rows.forEach((r, i) => r.renumber(i));
  const addRow = (tn) => {
    const to = h('input', { type: 'text', value: tn.to, autocomplete: 'off', spellcheck: 'false', placeholder: '+14155552671 or reviewer@example.com' });
    const code = h('input', { type: 'text', value: tn.code, inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', maxlength: '10', placeholder: '424242' });
    const toField = field({ label: 'Destination', input: to });
    const codeField = field({ label: 'Fixed code', input: code, hint: '4 to 10 digits.' });
    const lid = id('tn');
    const legend = h('legend', { id: lid });
    const row = {
      to, code,
      value: () => ({ to: to.value.trim(), code: code.value.trim() }),
      renumber: (i) => {
        legend.textContent = `Test number ${i + 1}`;
        toField.dataset.field = `testNumbers[${i}].to`;
        codeField.dataset.field = `testNumbers[${i}].code`;
      },
    };
    row.element = h('fieldset', { class: 'template-row', 'aria-labelledby': lid }, legend,
      h('div', { class: 'form-grid' }, toField, codeField),
      h('div', { class: 'form-actions' }, button('Remove test number', () => {
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
  const addButton = button('Add test number', () => addRow({ to: '', code: '' }).to.focus());
  for (const tn of initial) addRow(tn);

  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Test numbers' },
    h('p', { class: 'hint' }, 'A verification to a test number takes its fixed code, reads as delivered at once, and sends nothing: no message, no provider, no charge, no limit or budget counted. Country rules do not apply to it. At most 50.'),
    list,
    h('div', { class: 'form-actions' }, addButton, h('button', { type: 'submit', class: 'button' }, 'Save test numbers')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await request('PUT', `${base}/test-numbers`, { body: { testNumbers: rows.map((r) => r.value()) } });
        // Show the numbers as stored (normalised).
        data.testNumbers.forEach((tn, i) => {
          rows[i].to.value = tn.to;
        });
        announce(`Test numbers saved (${data.testNumbers.length}).`, 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

// safelistForm edits the safelist as one destination a line.
function safelistForm(base, initial) {
  const text = h('textarea', { rows: '5', spellcheck: 'false', autocomplete: 'off' });
  text.value = initial.join('\n');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Safelist' },
    field({ label: 'Destinations that skip the send budgets', input: text, name: 'safelist',
      hint: 'One phone number or email address a line, at most 100. An address covers its +tag variants. The country rules still apply.' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Save safelist')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const lines = text.value.split('\n').map((l) => l.trim()).filter(Boolean);
    busy(form, async () => {
      try {
        const { data } = await request('PUT', `${base}/safelist`, { body: { safelist: lines } });
        text.value = data.safelist.join('\n');
        announce(`Safelist saved (${data.safelist.length}).`, 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}
