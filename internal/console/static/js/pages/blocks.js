// A project's blocked prefixes (issue 16): the pumping detector blocks a
// prefix whose conversion collapses while its volume rises, for a cooling
// period; a person reads why here, releases a block with one click, or
// blocks a prefix by hand. Sends to a blocked prefix are refused with
// 429 PREFIX_BLOCKED.

import { get, post, del, enc } from '../api.js';
import {
  h, card, table, time, field, clearErrors, showFormError, busy,
  announce, announceError, loading, empty, button, badge,
} from '../dom.js';

/** blocksTab fills body with the project's blocks and the form to add one. */
export async function blocksTab(body, project, signal) {
  const path = `/v1/projects/${enc(project.id)}/fraud/blocks`;
  const listCard = card('Blocked prefixes', loading());

  const reload = async () => {
    const { data } = await get(path, { signal });
    listCard.lastChild.replaceWith(data.length === 0
      ? empty('No prefix is blocked. The pumping detector blocks a prefix whose codes stop being typed while its sends rise.')
      : table('Blocked prefixes', [
        ['Prefix', (b) => h('code', {}, b.prefix)],
        ['Country', (b) => b.country || h('span', { class: 'muted' }, '—')],
        ['Why', (b) => b.reason],
        ['By', (b) => badge(b.auto ? 'detector' : 'hand')],
        ['Until', (b) => time(b.until)],
        ['', (b) => button('Release', () => release(b), { small: true, 'aria-label': `Release ${b.prefix}` })],
      ], data));
  };

  const release = async (b) => {
    try {
      await del(`${path}/${enc(b.prefix)}`);
      announce(`Sends to ${b.prefix} are allowed again.`, 'ok');
      await reload();
    } catch (err) {
      announceError(err);
    }
  };

  const prefix = h('input', { type: 'text', name: 'prefix', required: true, maxlength: '8', autocomplete: 'off', spellcheck: 'false', placeholder: '+88216', inputmode: 'tel' });
  const minutes = h('input', { type: 'number', name: 'minutes', min: '1', max: '10080', value: '60', inputmode: 'numeric' });
  const reason = h('input', { type: 'text', name: 'reason', maxlength: '500', autocomplete: 'off' });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      field({ label: 'Prefix', input: prefix, name: 'prefix', hint: '“+” and 3 to 7 digits.' }),
      field({ label: 'Minutes', input: minutes, name: 'minutes', hint: 'At most a week (10080).' }),
      field({ label: 'Reason', input: reason, name: 'reason', hint: 'Optional; shown here.' })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Block prefix')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(form, async () => {
      try {
        const { data } = await post(path, { prefix: prefix.value.trim(), minutes: Number(minutes.value), reason: reason.value.trim() });
        announce(`Sends to ${data.prefix} are blocked.`, 'ok');
        prefix.value = '';
        reason.value = '';
        await reload();
      } catch (err) {
        showFormError(form, err);
      }
    });
  });

  body.append(listCard, card('Block a prefix by hand', form));
  await reload();
}
