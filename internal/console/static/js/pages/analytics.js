// Analytics: totals, the daily time series and conversion by channel and
// by country, filtered by application, channel and country.

import { get, applications } from '../api.js';
import { h, pageHeader, card, table, num, pct, money, loading, empty } from '../dom.js';
import { appSelect, optionSelect, filterForm, appScope } from './filters.js';
import { CHANNELS } from './settings.js';
import { lineChart, rateBar } from './chart.js';

const RANGES = ['7d', '30d', '90d'];
const SERIES = [['sent', 'Sent'], ['verified', 'Verified'], ['failed', 'Failed']];

let regionNames = null;
try {
  regionNames = new Intl.DisplayNames(undefined, { type: 'region' });
} catch {
  regionNames = null;
}

/** page is the analytics page. */
export async function page({ main, query, signal }) {
  const channel = query.get('channel') || '';
  const country = (query.get('country') || '').toUpperCase();
  const range = RANGES.includes(query.get('range')) ? query.get('range') : '30d';

  const header = pageHeader({ title: 'Analytics', lede: 'Requests, conversions and cost.' });
  const body = h('div', {}, loading());
  main.append(header, body);

  const apps = await applications(signal);
  const { appId, allLabel } = appScope(apps, query);
  const countryInput = h('input', { type: 'text', name: 'country', value: country, maxlength: '2', autocomplete: 'off', spellcheck: 'false', placeholder: 'US' });
  const filters = filterForm('/analytics', [
    ['Application', appSelect(apps.list, appId, allLabel)],
    ['Channel', optionSelect('channel', CHANNELS, channel, 'Any channel')],
    ['Country (2 letters)', countryInput],
    ['Period', optionSelect('range', RANGES, range)],
  ], { label: 'Filter analytics' });
  main.insertBefore(h('section', { class: 'card', 'aria-label': 'Filters' }, filters), body);

  const q = { appId, channel, country };
  let series;
  let summary;
  try {
    ({ data: series } = await get('/v1/analytics/timeseries', { query: { ...q, range }, signal }));
    const from = series.points[0]?.date;
    const to = series.points[series.points.length - 1]?.date;
    ({ data: summary } = await get('/v1/analytics/summary', { query: { ...q, from, to }, signal }));
  } catch (err) {
    if (err.status === 404) {
      body.replaceChildren(card('Analytics unavailable', h('p', {}, 'This otpd server does not offer analytics yet.')));
      return;
    }
    throw err;
  }

  header.querySelector('.lede').textContent = `${summary.from} to ${summary.to} (UTC).`;
  const stats = [
    ['Applications', num(summary.applications)],
    ['OTP requests', num(summary.otpRequests)],
    ['Verified', num(summary.otpVerified)],
    ['Failed', num(summary.otpFailed)],
    ['Success rate', pct(summary.successRate)],
    ['Active users', num(summary.activeUsers)],
    ['Cost', money(summary.cost)],
  ];
  body.replaceChildren(
    h('dl', { class: 'stats', 'aria-label': 'Totals' }, stats.map(([k, v]) => h('div', { class: 'stat' }, h('dt', {}, k), h('dd', {}, v)))),
    card(`Daily activity, last ${range.replace('d', ' days')}`, lineChart(series.points, SERIES, 'Daily sent, verified and failed codes')),
    h('div', { class: 'grid-2' },
      card('Conversion by channel', breakdown(summary.byChannel, 'Channel', (k) => k)),
      card('Conversion by country', breakdown(summary.byCountry, 'Country', countryName))));
}

function countryName(code) {
  if (!code) return 'unknown';
  let name = '';
  try {
    name = regionNames?.of(code) || '';
  } catch {
    name = '';
  }
  return name && name !== code ? `${name} (${code})` : code;
}

// breakdown is a table with a bar per row: conversion is verified over
// created, as the API computes it.
function breakdown(rows, label, name) {
  if (!rows || rows.length === 0) return empty('No data for this period.');
  const sorted = [...rows].sort((a, b) => b.sent - a.sent);
  return table(`Conversion by ${label.toLowerCase()}`, [
    [label, (r) => name(r.key)],
    ['Sent', (r) => num(r.sent), 'num'],
    ['Verified', (r) => num(r.verified), 'num'],
    ['Conversion', (r) => h('div', { class: 'rate' }, rateBar(r.conversionRate), h('span', {}, pct(r.conversionRate)))],
  ], sorted);
}
