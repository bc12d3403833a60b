// API keys the console has seen this session: only right after an
// application is created or its API key rotated, since reads show masked
// previews. They live in this module's memory alone (not sessionStorage),
// so a reload or sign-out forgets them; they let the console send test
// verifications for test applications.

const apiKeys = new Map();

/** rememberApiKey keeps an application's API key in memory. */
export function rememberApiKey(appId, key) {
  apiKeys.set(appId, key);
}

/** apiKey returns the application's API key if this session has seen it. */
export function apiKey(appId) {
  return apiKeys.get(appId) || '';
}

/** forgetApiKeys drops every key, on sign-out. */
export function forgetApiKeys() {
  apiKeys.clear();
}
