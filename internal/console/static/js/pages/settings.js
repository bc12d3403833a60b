// A project's settings: name, description and the verification policy,
// saved with PATCH /v1/projects/{id}. Field errors come back as
// details.field paths ("policy.messages.templates[0].body"), which match
// the data-field attributes below.

import { patch, enc } from '../api.js';
import { h, id, field, clearErrors, showFormError, busy, announce, button } from '../dom.js';
import { captchaEditor } from './captcha.js';

/** CHANNELS are the channels otpd knows, in its default order. */
export const CHANNELS = ['sms', 'voice', 'email', 'telegram', 'whatsapp'];
const PURPOSES = ['verification', 'two_factor', 'password_reset', 'transaction'];
const LOCALES = ['ar', 'cs', 'de', 'en', 'es', 'fr', 'he', 'hi', 'id', 'it', 'ja', 'kk', 'ko', 'nl', 'pl', 'pt-BR', 'pt-PT', 'ro', 'ru', 'sv', 'th', 'tr', 'uk', 'uz', 'vi', 'zh-Hans', 'zh-Hant'];

const NUMBERS = [
  ['codeLength', 'Code length', 'Characters in a code, 4–10.', 4, 10],
  ['ttl', 'Code lifetime (seconds)', 'How long a code stays valid, 30–900.', 30, 900],
  ['maxAttempts', 'Maximum attempts', 'Checks allowed per verification.', 1],
  ['resendCooldown', 'Resend cooldown (seconds)', 'Wait before the same code can be sent again.', 0],
  ['maxResends', 'Maximum resends', 'Resends allowed per verification.', 0],
  ['sendsPerMinute', 'Sends a minute per destination', 'Per application.', 1],
  ['appSendsPerMinute', 'Sends a minute per application', '0: no limit of the project’s own (the Cobinar endpoints then allow 5).', 0],
  ['appChecksPerMinute', 'Checks a minute per application', '0: no limit of the project’s own (the Cobinar endpoints then allow 10).', 0],
  ['sessionTtl', 'Session lifetime (seconds)', 'How long a session of the session flow (kod.mobi’s) lives, 60–900.', 60, 900],
];

/** settingsForm builds the settings form for project. */
export function settingsForm(project) {
  const p = project.policy;
  const inputs = {};
  const name = h('input', { type: 'text', value: project.name, required: true, maxlength: '100' });
  const description = h('input', { type: 'text', value: project.description, maxlength: '500' });

  const numberFields = NUMBERS.map(([key, label, hint, min, max]) => {
    inputs[key] = h('input', { type: 'number', inputmode: 'numeric', step: '1', min, max, value: String(p[key]), required: true });
    return field({ label, input: inputs[key], hint, name: `policy.${key}` });
  });

  const listId = id('locales');
  const locale = h('input', { type: 'text', value: p.defaultLocale, list: listId, autocomplete: 'off', spellcheck: 'false' });
  const localeList = h('datalist', { id: listId }, LOCALES.map((l) => h('option', { value: l })));

  const channels = channelPicker(p.channels);

  // What codes are made of; letters leave out I, L and O.
  const digits = h('input', { type: 'checkbox', id: id('digits'), checked: p.codeDigits, dataset: { alphabet: 'digits' } });
  const letters = h('input', { type: 'checkbox', id: id('letters'), checked: p.codeLetters, dataset: { alphabet: 'letters' } });
  const countries = h('input', { type: 'text', value: (p.countries || []).join(' '), autocomplete: 'off', spellcheck: 'false', placeholder: 'GB RU' });

  const noShare = h('input', { type: 'checkbox', id: id('noshare'), checked: p.messages.noShareLine });
  const appHash = h('input', { type: 'text', value: p.messages.smsAppHash, maxlength: '11', autocomplete: 'off', spellcheck: 'false' });
  const webOtp = h('input', { type: 'text', value: p.messages.webOtpDomain, autocomplete: 'off', spellcheck: 'false', placeholder: 'example.com' });

  const templates = templateEditor(p.messages.templates);
  const captcha = captchaEditor(p.challenge);

  const form = h('form', { class: 'form', novalidate: true },
    section('General',
      h('div', { class: 'form-grid' },
        field({ label: 'Name', input: name, name: 'name' }),
        field({ label: 'Description', input: description, name: 'description' }))),
    section('Codes and limits',
      h('div', { class: 'form-grid' }, numberFields,
        field({ label: 'Default locale', input: locale, name: 'policy.defaultLocale', hint: 'Used when neither the request nor the phone number gives a language.' }),
        localeList),
      h('fieldset', { dataset: { field: 'policy.codeLetters' } },
        h('legend', {}, 'Codes are made of'),
        h('div', { class: 'check-list' },
          h('label', { class: 'check', for: digits.id }, digits, 'Digits'),
          h('label', { class: 'check', for: letters.id }, letters, 'Letters (A–Z without I, L and O; checked in either case)'))),
      field({ label: 'Countries', input: countries, name: 'policy.countries', hint: 'ISO codes of the countries whose phone numbers get codes on every channel, such as GB RU. Empty sends to any. Geo permissions (beside Settings) are the finer tool: per channel, deny-lists and number prefixes.' })),
    section('Channels', channels.element),
    section('Message texts',
      h('div', { class: 'form' },
        h('div', { class: 'field', dataset: { field: 'policy.messages.noShareLine' } },
          h('label', { class: 'check', for: noShare.id }, noShare, 'Leave out the “do not share this code” line')),
        h('div', { class: 'form-grid' },
          field({ label: 'SMS app hash', input: appHash, name: 'policy.messages.smsAppHash', hint: 'Android SMS Retriever hash (11 characters), added on its own line.' }),
          field({ label: 'WebOTP domain', input: webOtp, name: 'policy.messages.webOtpDomain', hint: 'Adds “@domain #code” as the last SMS line.' })),
        templates.element)),
    section('CAPTCHA', captcha.element),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Save settings')));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const policy = {
      defaultLocale: locale.value.trim(),
      codeDigits: digits.checked,
      codeLetters: letters.checked,
      countries: countries.value.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase()),
      channels: channels.value(),
      messages: {
        noShareLine: noShare.checked,
        smsAppHash: appHash.value.trim(),
        webOtpDomain: webOtp.value.trim(),
        templates: templates.value(),
      },
    };
    for (const [key] of NUMBERS) {
      const raw = inputs[key].value.trim();
      if (!/^\d+$/.test(raw)) {
        showFormError(form, { message: 'Enter a whole number.', field: `policy.${key}` });
        return;
      }
      policy[key] = Number(raw);
    }
    policy.challenge = captcha.value();
    if (policy.challenge.error) {
      showFormError(form, { message: policy.challenge.error, field: policy.challenge.field });
      return;
    }
    busy(form, async () => {
      try {
        const { data } = await patch(`/v1/projects/${enc(project.id)}`, {
          name: name.value.trim(), description: description.value.trim(), policy,
        });
        const h1 = document.querySelector('main h1');
        if (h1) h1.textContent = data.name;
        captcha.saved(data.policy.challenge);
        announce('Settings saved.', 'ok');
      } catch (err) {
        showFormError(form, err);
      }
    });
  });
  return form;
}

function section(title, ...children) {
  const lid = id('legend');
  return h('fieldset', { 'aria-labelledby': lid }, h('legend', { id: lid }, title), ...children);
}

/**
 * channelPicker is an ordered multi-select: a checkbox per channel and
 * buttons to move it up or down. Checked channels, top to bottom, are the
 * project's channels in order of preference.
 */
function channelPicker(selected) {
  let order = [...selected, ...CHANNELS.filter((c) => !selected.includes(c))];
  const on = new Set(selected);
  const list = h('ol', { class: 'order-list', 'aria-describedby': id('ch') });
  const hint = h('p', { class: 'hint', id: list.getAttribute('aria-describedby') },
    'Check the channels this project may use and order them by preference: a send without a channel takes the first that reaches the destination. Leave all unchecked to allow every channel in the default order.');

  const move = (ch, delta, focusLabel) => {
    const i = order.indexOf(ch);
    const j = i + delta;
    if (j < 0 || j >= order.length) return;
    order = [...order];
    [order[i], order[j]] = [order[j], order[i]];
    draw();
    // Keep the keyboard where it was: on the same button of the moved row,
    // or its other button when this one is now disabled at the list's end.
    const btn = list.querySelector(`[data-move="${focusLabel}-${ch}"]`);
    const other = list.querySelector(`[data-move="${focusLabel === 'up' ? 'down' : 'up'}-${ch}"]`);
    (btn && !btn.disabled ? btn : other).focus();
  };

  const draw = () => {
    let rank = 0;
    list.replaceChildren(...order.map((ch, i) => {
      const cb = h('input', { type: 'checkbox', id: id('chan'), checked: on.has(ch), dataset: { channel: ch } });
      cb.addEventListener('change', () => {
        if (cb.checked) on.add(ch);
        else on.delete(ch);
        draw();
        list.querySelector(`[data-channel="${ch}"]`).focus();
      });
      if (on.has(ch)) rank += 1;
      return h('li', { class: 'order-item' },
        h('span', { class: 'order-rank', 'aria-hidden': 'true' }, on.has(ch) ? `${rank}.` : ''),
        h('label', { class: 'check', for: cb.id }, cb, ch),
        button('↑', () => move(ch, -1, 'up'), { small: true, 'aria-label': `Move ${ch} up`, disabled: i === 0, dataset: { move: `up-${ch}` } }),
        button('↓', () => move(ch, 1, 'down'), { small: true, 'aria-label': `Move ${ch} down`, disabled: i === order.length - 1, dataset: { move: `down-${ch}` } }));
    }));
  };
  draw();
  return {
    element: h('div', { class: 'field', dataset: { field: 'policy.channels' } }, hint, list),
    value: () => order.filter((c) => on.has(c)),
  };
}

/** templateEditor edits policy.messages.templates as a list of rows. */
function templateEditor(initial) {
  const rows = [];
  const list = h('div', { class: 'template-list' });
  const addButton = button('Add template', () => {
    add({ channel: 'sms', purpose: 'verification', locale: '', body: '', subject: '' });
    rows[rows.length - 1].first.focus();
  });

  const renumber = () => {
    rows.forEach((r, i) => {
      r.legend.textContent = `Template ${i + 1}`;
      r.element.dataset.field = `policy.messages.templates[${i}]`;
      for (const f of r.element.querySelectorAll('[data-part]')) f.dataset.field = `policy.messages.templates[${i}].${f.dataset.part}`;
    });
    list.hidden = rows.length === 0;
  };

  const add = (t) => {
    const channel = h('select', {}, CHANNELS.map((c) => h('option', { value: c, selected: c === t.channel }, c)));
    const purpose = h('select', {}, PURPOSES.map((c) => h('option', { value: c, selected: c === t.purpose }, c)));
    const locale = h('input', { type: 'text', value: t.locale, autocomplete: 'off', spellcheck: 'false' });
    const subject = h('input', { type: 'text', value: t.subject, autocomplete: 'off' });
    const body = h('textarea', { rows: '3', spellcheck: 'false' });
    body.value = t.body;
    const part = (name, f) => {
      f.dataset.part = name;
      return f;
    };
    const lid = id('tpl');
    const legend = h('legend', { id: lid });
    const row = {
      legend, first: channel,
      value: () => ({ channel: channel.value, purpose: purpose.value, locale: locale.value.trim(), body: body.value, subject: subject.value }),
    };
    row.element = h('fieldset', { class: 'template-row', 'aria-labelledby': lid }, legend,
      h('div', { class: 'form-grid' },
        part('channel', field({ label: 'Channel', input: channel })),
        part('purpose', field({ label: 'Purpose', input: purpose })),
        part('locale', field({ label: 'Locale', input: locale, hint: 'Empty: every locale.' })),
        part('subject', field({ label: 'Subject', input: subject, hint: 'Email only.' }))),
      part('body', field({
        label: 'Body', input: body,
        hint: 'A Go template over {{.Code}} {{.AppName}} {{.Minutes}} {{.Amount}} {{.Payee}}, with {{minutes .Minutes}} and {{spell .Code}}. It must show the code.',
      })),
      h('div', { class: 'form-actions' }, button('Remove template', () => {
        rows.splice(rows.indexOf(row), 1);
        row.element.remove();
        renumber();
        addButton.focus();
      }, { kind: 'danger', small: true })));
    rows.push(row);
    list.append(row.element);
    renumber();
  };

  for (const t of initial) add(t);
  renumber();
  return {
    element: h('div', { class: 'form' },
      h('h3', {}, 'Template overrides'),
      h('p', { class: 'hint' }, 'Your own texts replace the built-in ones for a channel, purpose and locale.'),
      list,
      h('div', { class: 'form-actions' }, addButton)),
    value: () => rows.map((r) => r.value()),
  };
}
