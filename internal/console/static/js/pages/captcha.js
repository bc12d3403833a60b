// The CAPTCHA part of a project's settings (policy.challenge): when it is
// on, POST /v1/verifications needs a token from the provider's widget, so
// a script cannot make the project send codes. The secret key is
// write-only: the server says only whether one is saved and shows it
// masked, and an empty field leaves it as it is.

import { h, id, field } from '../dom.js';

const PROVIDERS = [
  ['turnstile', 'Cloudflare Turnstile'],
  ['recaptcha', 'Google reCAPTCHA'],
  ['hcaptcha', 'hCaptcha'],
  ['smartcaptcha', 'Yandex SmartCaptcha'],
];

/** secretHint says whether a secret key is saved, in words and masked. */
function secretHint(c) {
  return c.secretKeySet
    ? `A secret key is saved (${c.secretKeyPreview}). Leave this empty to keep it; a new provider needs its own key.`
    : 'No secret key is saved yet. It is needed to turn the CAPTCHA on, and is never shown again.';
}

/**
 * captchaEditor edits challenge (policy.challenge as the API returns it).
 * value() is the object to send, or { error, field } for a value the
 * browser can already tell is wrong; saved(challenge) shows what the
 * server kept and empties the secret key field.
 */
export function captchaEditor(challenge) {
  const enabled = h('input', { type: 'checkbox', id: id('captcha-on'), checked: challenge.enabled });
  const provider = h('select', {},
    h('option', { value: '', selected: !challenge.provider }, 'Choose a provider'),
    PROVIDERS.map(([value, label]) => h('option', { value, selected: value === challenge.provider }, label)));
  const siteKey = h('input', { type: 'text', value: challenge.siteKey, autocomplete: 'off', spellcheck: 'false', maxlength: '256' });
  // autocomplete=new-password keeps the browser from filling in the
  // console password here.
  const secretKey = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', maxlength: '512', placeholder: challenge.secretKeySet ? '•••••••• (unchanged)' : '' });
  const minScore = h('input', { type: 'number', inputmode: 'decimal', step: '0.1', min: '0', max: '1', value: String(challenge.minScore ?? 0) });
  const hostnames = h('textarea', { rows: '3', spellcheck: 'false', autocomplete: 'off', placeholder: 'example.com\n*.example.com' });
  hostnames.value = (challenge.hostnames || []).join('\n');

  const secretField = field({ label: 'Secret key', input: secretKey, name: 'policy.challenge.secretKey', hint: secretHint(challenge) });
  const element = h('div', { class: 'form' },
    h('p', { class: 'hint' }, 'With the CAPTCHA on, each send needs the token of the provider’s widget from your page: the X-Challenge-Token header or the challengeToken field of POST /v1/verifications. Resends and checks do not.'),
    h('div', { class: 'field', dataset: { field: 'policy.challenge.enabled' } },
      h('label', { class: 'check', for: enabled.id }, enabled, 'Require a CAPTCHA to send codes')),
    h('div', { class: 'form-grid' },
      field({ label: 'Provider', input: provider, name: 'policy.challenge.provider' }),
      field({ label: 'Site key', input: siteKey, name: 'policy.challenge.siteKey', hint: 'The public key your page gives the widget.' }),
      secretField,
      field({ label: 'Minimum score', input: minScore, name: 'policy.challenge.minScore', hint: 'reCAPTCHA v3 only: the lowest score accepted, 0 to 1. 0 accepts any.' })),
    field({ label: 'Allowed host names', input: hostnames, name: 'policy.challenge.hostnames', hint: 'One a line. Tokens solved on other sites are refused; *.example.com allows its subdomains. Empty allows any.' }));

  return {
    element,
    value() {
      const raw = minScore.value.trim();
      const score = raw === '' ? 0 : Number(raw);
      if (!Number.isFinite(score)) return { error: 'Enter a number between 0 and 1.', field: 'policy.challenge.minScore' };
      const out = {
        enabled: enabled.checked,
        provider: provider.value,
        siteKey: siteKey.value.trim(),
        minScore: score,
        hostnames: hostnames.value.split('\n').map((l) => l.trim()).filter(Boolean),
      };
      if (secretKey.value !== '') out.secretKey = secretKey.value.trim();
      return out;
    },
    saved(c) {
      secretKey.value = '';
      secretKey.placeholder = c.secretKeySet ? '•••••••• (unchanged)' : '';
      secretField.querySelector('.hint').textContent = secretHint(c);
    },
  };
}
