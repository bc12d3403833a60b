// Charts drawn as inline SVG by hand: no library, and every label is a
// text node. Geometry goes in SVG attributes (the CSP allows those; it
// forbids style attributes), colours come from console.css classes.

import { s, h, id, num } from '../dom.js';

const W = 720;
const H = 260;
const M = { top: 12, right: 12, bottom: 30, left: 44 };

// niceMax rounds up to 1, 2 or 5 times a power of ten so grid lines fall
// on round numbers.
function niceMax(v) {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayLabel = (iso) => shortDate.format(new Date(`${iso}T00:00:00Z`));

/**
 * lineChart draws points ([{date, ...}]) as one line per series
 * ([[key, label]]). The SVG has a title and a text summary; the same
 * numbers follow in a table for screen readers and for reading exact values.
 */
export function lineChart(points, series, title) {
  const tid = id('chart-title');
  const did = id('chart-desc');
  const max = niceMax(Math.max(0, ...points.flatMap((p) => series.map(([k]) => p[k]))));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (i) => M.left + (points.length <= 1 ? iw / 2 : (i * iw) / (points.length - 1));
  const y = (v) => M.top + ih - (v / max) * ih;

  const totals = series.map(([k, label]) => `${num(points.reduce((a, p) => a + p[k], 0))} ${label.toLowerCase()}`);
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${tid} ${did}`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: tid }, title),
    s('desc', { id: did }, points.length
      ? `From ${points[0].date} to ${points[points.length - 1].date}: ${totals.join(', ')}.`
      : 'No data.'));

  // Horizontal grid with value labels.
  const ticks = 4;
  for (let i = 0; i <= ticks; i += 1) {
    const v = (max / ticks) * i;
    const yy = y(v);
    svg.append(
      s('line', { class: i === 0 ? 'axis' : 'grid', x1: M.left, x2: W - M.right, y1: yy, y2: yy }),
      s('text', { x: M.left - 6, y: yy + 4, 'text-anchor': 'end' }, num(Math.round(v * 100) / 100)));
  }
  // Date labels: about six, always the first and the last.
  const every = Math.max(1, Math.ceil(points.length / 6));
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    if (i !== points.length - 1 && points.length - 1 - i < every / 2) return; // too close to the last label
    svg.append(s('text', { x: x(i), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle' }, dayLabel(p.date)));
  });
  // Drawn last to first, so the first series (sent) lies on top; it is
  // dashed, so a series with the same values shows through beneath it.
  for (const [k, label] of [...series].reverse()) {
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
    svg.append(s('path', { class: `line series-${k}`, d }));
    if (points.length <= 31) {
      const dots = s('g', { class: `series-${k}` });
      points.forEach((p, i) => dots.append(s('circle', { cx: x(i).toFixed(1), cy: y(p[k]).toFixed(1), r: 2.5 },
        s('title', {}, `${p.date}: ${num(p[k])} ${label.toLowerCase()}`))));
      svg.append(dots);
    }
  }

  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' },
    series.map(([k, label]) => h('li', {}, h('span', { class: `swatch swatch-${k}` }), label)));

  const body = h('tbody');
  for (const p of points) body.append(h('tr', {}, h('th', { scope: 'row' }, p.date), series.map(([k]) => h('td', { class: 'num' }, num(p[k])))));
  const data = h('details', {},
    h('summary', {}, 'Show the numbers'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', { class: 'visually-hidden' }, title),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Date'), series.map(([, label]) => h('th', { scope: 'col', class: 'num' }, label)))),
      body)));

  return h('figure', { class: 'chart-figure' }, svg, legend, data);
}

/** rateBar draws a 0..1 ratio as a horizontal bar; the percentage beside it carries the meaning. */
export function rateBar(ratio) {
  const w = Math.max(0, Math.min(1, ratio || 0)) * 100;
  return s('svg', { class: 'bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { class: 'bar-track', x: 0, y: 0, width: 100, height: 10, rx: 2 }),
    s('rect', { class: 'bar-fill', x: 0, y: 0, width: w.toFixed(2), height: 10, rx: 2 }));
}
