// Hash routing: "#/projects/prj_1/settings?x=y". The server only ever
// serves index.html and its assets, so every console URL is the same file.

const routes = [];

/**
 * route registers a page for a path pattern such as "/projects/:id".
 * section names the main navigation entry to mark as current.
 */
export function route(pattern, section, render) {
  const names = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => {
    names.push(n);
    return '([^/]+)';
  }) + '/?$');
  routes.push({ re, names, section, render });
}

/** current parses location.hash into {path, query}. */
export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?', 2);
  return { path: path || '/', query: new URLSearchParams(qs) };
}

/** match finds the route for path and its decoded parameters. */
export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1]);
    });
    return { ...r, params };
  }
  return null;
}

/** href builds a console link: path plus a query object (empty values dropped). */
export function href(path, query) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, v);
  }
  const q = qs.toString();
  return '#' + path + (q ? '?' + q : '');
}

/** navigate goes to path with query; the hashchange listener renders it. */
export function navigate(path, query) {
  const target = href(path, query);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}
