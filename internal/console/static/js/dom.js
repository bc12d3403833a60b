// DOM helpers. Every value from the API reaches the page through
// textContent, attributes or properties set here, never through innerHTML,
// so nothing an API answer holds can become markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

const PROPS = new Set(['value', 'disabled', 'hidden', 'open', 'indeterminate', 'readOnly', 'required', 'multiple']);

function apply(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'checked' || k === 'selected') {
      // The attribute too, so form.reset() returns to this default.
      el.setAttribute(k, '');
      el[k] = true;
    } else if (k === 'value' && (el instanceof HTMLInputElement || el instanceof HTMLOptionElement)) {
      el.setAttribute('value', v);
      el.value = v;
    } else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** h creates an HTML element with props (attributes, properties, on* listeners) and children (nodes or text). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** s creates an SVG element the same way. */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** clear removes every child of el. */
export function clear(el) {
  el.replaceChildren();
  return el;
}

let uid = 0;
/** id returns a fresh element id with the given prefix. */
export function id(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// ---- Formatting ----

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const numFmt = new Intl.NumberFormat();
const pctFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** time renders an ISO timestamp as a <time> element, or a dash. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, iso);
  return h('time', { datetime: iso, title: iso }, dateFmt.format(d));
}

/** num formats a count. */
export const num = (n) => numFmt.format(n ?? 0);

/** pct formats a 0..1 ratio as a percentage. */
export const pct = (r) => pctFmt.format(r ?? 0);

/** money formats {amount, currency} or a dash. */
export function money(m) {
  if (!m) return '—';
  return `${m.amount} ${m.currency}`;
}

const BADGE = {
  active: 'ok', enabled: 'ok', verified: 'ok', delivered: 'ok', sent: 'info', live: 'info',
  pending: 'warn', queued: 'warn', retrying: 'warn', test: 'warn',
  disabled: 'danger', 'held by operator': 'danger', suspended: 'danger', failed: 'danger', dead: 'danger', expired: 'danger', canceled: 'danger', max_attempts: 'danger',
};

/** badge renders a status word as a coloured pill; the word itself carries the meaning. */
export function badge(word) {
  const kind = BADGE[word];
  return h('span', { class: ['badge', kind && `badge-${kind}`] }, word || '—');
}

// ---- Page pieces ----

/** pageHeader builds the page's heading block; main.js moves focus to its h1 after navigation. */
export function pageHeader({ title, lede, crumbs, actions }) {
  return h('div', { class: 'page-header' },
    h('div', {},
      crumbs && h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
        crumbs.map(([label, href], i) => [i > 0 && ' / ', h('a', { href }, label)])),
      h('h1', { tabindex: '-1' }, title),
      lede && h('p', { class: 'lede' }, lede)),
    actions && h('div', { class: 'actions' }, actions));
}

/** card wraps content in a titled section. */
export function card(title, ...children) {
  const hid = id('card');
  return h('section', { class: 'card', 'aria-labelledby': hid }, h('h2', { id: hid }, title), ...children);
}

/** table builds a scrollable table; columns are [header, cell(row) → node|text, className?]. */
export function table(caption, columns, rows) {
  const body = h('tbody');
  // class stack: on narrow screens each row becomes a card, each cell
  // labelled by its column's data-label (console.css).
  const t = h('div', { class: 'table-wrap stack' },
    h('table', {},
      caption && h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map(([label, , cls]) => h('th', { scope: 'col', class: cls }, label)))),
      body));
  const add = (list) => {
    let firstNew = null;
    for (const row of list) {
      const tr = h('tr', {}, columns.map(([label, cell, cls]) => h('td', { class: cls, dataset: { label } }, cell(row))));
      firstNew = firstNew || tr;
      body.append(tr);
    }
    return firstNew;
  };
  add(rows);
  t.addRows = add;
  return t;
}

/** kv builds a definition list from [label, value] pairs, skipping null values. */
export function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/** button builds a type=button button. */
export function button(label, onclick, { kind = 'secondary', small = false, ...rest } = {}) {
  return h('button', { type: 'button', class: ['button', kind !== 'primary' && `button-${kind}`, small && 'button-small'], onclick, ...rest }, label);
}

/** loading is the placeholder shown while a request runs. */
export const loading = (what = 'Loading…') => h('p', { class: 'loading' }, what);

/** empty is the text shown for an empty list. */
export const empty = (text) => h('p', { class: 'empty' }, text);

// ---- Status region ----

let statusTimer = 0;
let statusShownAt = 0;

/** clearStaleStatus drops a message shown more than a moment ago; main.js calls it on navigation, so a message announced just before navigating survives it. */
export function clearStaleStatus() {
  if (Date.now() - statusShownAt > 1500) clear(document.getElementById('status'));
}

/** announce shows a message in the aria-live status region; errors stay until replaced. */
export function announce(message, kind = 'info') {
  const region = document.getElementById('status');
  clearTimeout(statusTimer);
  if (!message) {
    clear(region);
    return;
  }
  statusShownAt = Date.now();
  const dismiss = button('Dismiss', () => clear(region), { kind: 'quiet', small: true });
  region.replaceChildren(h('div', { class: ['status-message', kind === 'error' && 'is-error', kind === 'ok' && 'is-ok'] },
    h('span', {}, message), dismiss));
  if (kind !== 'error') statusTimer = setTimeout(() => clear(region), 8000);
}

/** announceError shows an API or network error in the status region. */
export function announceError(err) {
  if (err?.name === 'AbortError' || err?.signedOut) return;
  announce(err?.message || 'Something went wrong.', 'error');
}

// ---- Forms ----

/**
 * field builds a labelled control. The wrapper carries data-field so an
 * API error naming that field (details.field) can be shown next to it.
 */
export function field({ label, input, hint, name }) {
  const fid = input.id || id('in');
  input.id = fid;
  const wrap = h('div', { class: 'field', dataset: name ? { field: name } : undefined }, h('label', { for: fid }, label), input);
  if (hint) {
    const hidn = id('hint');
    wrap.append(h('p', { class: 'hint', id: hidn }, hint));
    input.setAttribute('aria-describedby', hidn);
  }
  return wrap;
}

/** clearErrors removes the field and form errors shown in form. */
export function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-error, .form-error')) e.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.startsWith('err-'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

// parentPath drops the last segment of a field path: "a.b[0].c" → "a.b[0]" → "a.b" → "a" → "".
function parentPath(path) {
  const up = path.replace(/(\[\d+\]|\.[^.[\]]+)$/, '');
  return up === path ? '' : up;
}

/**
 * showFormError puts err next to the field it names (details.field, e.g.
 * "policy.messages.templates[0].body"), trying shorter paths until a
 * data-field matches, else above the form's buttons. It also announces it.
 */
export function showFormError(form, err) {
  if (err?.name === 'AbortError' || err?.signedOut) return;
  const message = err?.message || 'Something went wrong.';
  let target = null;
  for (let path = err?.field || ''; path; path = parentPath(path)) {
    target = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (target) break;
  }
  const eid = id('err');
  const p = h('p', { class: target ? 'field-error' : 'form-error', id: eid }, message);
  if (target) {
    target.append(p);
    // One control: mark it invalid and describe it by the error. A group
    // (the channel list, a template row): the error sits in the group.
    const controls = target.querySelectorAll('input, select, textarea');
    const control = controls[0];
    if (controls.length === 1) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), eid].filter(Boolean).join(' '));
    }
    if (control) control.focus();
  } else {
    const actions = form.querySelector('.form-actions');
    (actions || form).before(p);
  }
  announce(message, 'error');
}

/** busy disables a form's submit button while work runs. */
export async function busy(form, work) {
  const submit = form.querySelector('[type="submit"]');
  if (submit) submit.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    if (submit) submit.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

// ---- Dialogs ----

/**
 * openDialog shows a modal <dialog>. The browser traps focus inside it and
 * closes it on Escape; when it closes, focus returns to where it was and
 * the element is removed. Returns the dialog.
 */
export function openDialog({ title, body, actions, onclose, labelId }) {
  const opener = document.activeElement;
  const hid = labelId || id('dlg');
  const dlg = h('dialog', { 'aria-labelledby': hid },
    h('div', { class: 'dialog-body' }, h('h2', { id: hid }, title), body, h('div', { class: 'dialog-actions' }, actions)));
  dlg.addEventListener('close', () => {
    dlg.remove();
    if (onclose) onclose(dlg.returnValue);
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  document.body.append(dlg);
  dlg.showModal();
  const auto = dlg.querySelector('[autofocus]');
  if (auto) auto.focus();
  return dlg;
}

/** confirmDialog asks a yes/no question in a dialog; Cancel has the focus, so Enter does not confirm by accident. */
export function confirmDialog(title, message, { confirmLabel = 'Confirm', danger = false, extra = null } = {}) {
  return new Promise((resolve) => {
    let dlg = null;
    const cancel = button('Cancel', () => dlg.close('cancel'), { autofocus: true });
    const ok = button(confirmLabel, () => dlg.close('ok'), { kind: danger ? 'danger-solid' : 'primary' });
    dlg = openDialog({ title, body: [h('p', {}, message), extra], actions: [cancel, ok], onclose: (v) => resolve(v === 'ok') });
  });
}

/** copyButton copies text() to the clipboard, or selects target's text where the clipboard is unavailable (plain http). */
export function copyButton(text, label, target) {
  const b = button('Copy', async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text());
      b.textContent = 'Copied';
      announce(`${label} copied to the clipboard.`, 'ok');
      setTimeout(() => { b.textContent = 'Copy'; }, 2000);
    } catch {
      if (target) {
        const range = document.createRange();
        range.selectNodeContents(target);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      announce(`Copying needs a secure context: ${label} is selected, press Ctrl+C (⌘C) to copy it.`, 'info');
    }
  }, { small: true, 'aria-label': `Copy ${label}` });
  return b;
}

/** secretList renders [label, value, id] rows, each value with a copy button. */
export function secretList(rows) {
  return h('dl', { class: 'secret-list' }, rows.map(([label, value, vid]) => {
    const code = h('code', { class: 'secret-value', id: vid }, value);
    return [h('dt', {}, label), h('dd', {}, code, copyButton(() => value, label, code))];
  }));
}

/** showSecretDialog shows freshly issued credentials once, with the warning and copy buttons. */
export function showSecretDialog({ title, warning, rows, extra }) {
  const done = h('button', { type: 'button', class: 'button' }, 'I have stored them');
  const dlg = openDialog({
    title,
    body: [h('p', { class: 'warning', role: 'note' }, warning), secretList(rows), extra],
    actions: [done],
  });
  dlg.classList.add('secret-dialog');
  done.addEventListener('click', () => dlg.close('done'));
  // Start at the top, on the heading, so the warning is read first and a
  // long dialog is not scrolled to its last button.
  const heading = dlg.querySelector('h2');
  heading.tabIndex = -1;
  heading.focus();
  return dlg;
}

/**
 * pager is the "Load more" button of a cursor-paged list. first is the
 * first answer; more(cursor) fetches the next; add(rows) shows them and
 * returns the first new element, which gets the focus when the list ends
 * (the button disappears, so the keyboard would otherwise be lost).
 */
export function pager(first, more, add) {
  const next = (res) => (res.pagination?.hasMore ? res.pagination.nextCursor : '');
  let cursor = next(first);
  const wrap = h('div', { class: 'load-more' });
  const btn = button('Load more', async () => {
    btn.disabled = true;
    try {
      const res = await more(cursor);
      const firstNew = add(res.data);
      cursor = next(res);
      announce(`${res.data.length} more loaded${cursor ? '' : '; that is all'}.`);
      if (!cursor) {
        wrap.hidden = true;
        firstNew?.querySelector('a, button')?.focus();
      }
    } catch (err) {
      announceError(err);
    } finally {
      btn.disabled = false;
    }
  });
  wrap.append(btn);
  wrap.hidden = !cursor;
  return wrap;
}
