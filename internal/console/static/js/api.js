// The native API client. The console token lives in sessionStorage only:
// never localStorage (it would outlive the tab) and never a cookie. The
// browser never attaches it by itself, every request adds the
// Authorization header explicitly, so there is no CSRF surface: another
// site cannot make this browser send an authenticated request.

const TOKEN_KEY = 'otpd.console.token';

/** token returns the console token of this tab's session, or ''. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

/** setToken keeps the console token for this tab's session. */
export function setToken(t) {
  sessionStorage.setItem(TOKEN_KEY, t);
}

/**
 * isOperator says the console is signed in with the operator's admin
 * token rather than a developer's session: some settings are the
 * operator's alone (the API refuses anyone else 403 operator_only).
 */
export function isOperator() {
  const t = token();
  return t !== '' && !t.startsWith('otpd_session_');
}

/** clearToken forgets the console token. */
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** ApiError is an error answer: its code, message and the field it names. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = body?.error || {};
    super(e.message || `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.code = e.code || 'HTTP_' + status;
    this.details = e.details || {};
    this.field = this.details.field || '';
  }
}

/**
 * request calls the API. opts: query (object; empty values are dropped),
 * body (JSON), signal, and auth (a bearer token to use instead of the
 * console token, e.g. an application's API key). Returns the whole JSON
 * answer ({data, pagination}) or null for 204. A 401 on the console token
 * signs the console out.
 */
export async function request(method, path, { query, body, signal, auth } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { Accept: 'application/json', Authorization: `Bearer ${auth || token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method, headers, signal,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', redirect: 'error',
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, { error: { code: 'NETWORK', message: 'The server could not be reached.' } });
  }
  if (res.status === 204) return null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    if (res.status === 401 && !auth) {
      err.signedOut = true; // main.js shows the sign-in page; callers need not report it
      clearToken();
      window.dispatchEvent(new CustomEvent('otpd:signed-out', { detail: { expired: true } }));
    }
    throw err;
  }
  return json;
}

/** get fetches path and returns the whole answer. */
export const get = (path, opts) => request('GET', path, opts);
/** post sends body to path. */
export const post = (path, body, opts) => request('POST', path, { ...opts, body: body ?? {} });
/** patch sends body to path. */
export const patch = (path, body, opts) => request('PATCH', path, { ...opts, body });
/** put replaces what path holds with body. */
export const put = (path, body, opts) => request('PUT', path, { ...opts, body });
/** del deletes path. */
export const del = (path, opts) => request('DELETE', path, opts);

/** enc escapes one path segment. */
export const enc = encodeURIComponent;

/** applications lists every application, with a map by id. */
export async function applications(signal) {
  const { data } = await get('/v1/applications', { signal });
  return { list: data, byId: new Map(data.map((a) => [a.id, a])) };
}

/** appName returns an application's name, or its id when it cannot be read (deleted, say). */
export async function appName(id, signal) {
  try {
    return (await get(`/v1/applications/${enc(id)}`, { signal })).data.name;
  } catch (err) {
    if (err.name === 'AbortError' || err.signedOut) throw err;
    return id;
  }
}
