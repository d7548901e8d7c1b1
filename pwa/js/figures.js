// Managers' figures from /api/v1/analytics: fetched online, and the last answers kept on the
// device (one key of IndexedDB's meta store, never the service worker's cache) so the last
// dashboard and scorecards stay readable offline, marked with the time they were fetched.
import { getJson, NetworkError } from './api.js';
import { getMeta, setMeta } from './db.js';
import { formatNumber } from './i18n.js';

const CACHE_KEY = 'figures-cache';
// Enough for the dashboard, a few compare-by views and scorecards; the oldest go first.
const KEEP = 40;

export const FILTER_NAMES = ['period', 'date_from', 'date_to', 'factory_id', 'style_id', 'category', 'inspection_type'];

// The screen's filters, from the part of the hash after "?": #/dashboard?period=week&factory_id=...
export function filtersFromHash(hash = location.hash) {
  const params = new URLSearchParams(hash.split('?')[1] || '');
  const filters = {};
  for (const name of [...FILTER_NAMES, 'group_by', 'defect_type_id', 'verdict', 'inspector_id', 'page']) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

export function hashWith(screen, filters) {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const query = params.toString();
  return `#/${screen}${query ? `?${query}` : ''}`;
}

// Only the filters the server knows for this endpoint; the screen's own keys (group_by) go where asked.
export function apiPath(endpoint, filters, extra = {}) {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  for (const [name, value] of Object.entries(extra)) if (value !== undefined && value !== null && value !== '') params.set(name, value);
  const query = params.toString();
  return `/api/v1/analytics/${endpoint}${query ? `?${query}` : ''}`;
}

// The same filters as a CSV download (/api/v1/exports): what the screen shows, in a spreadsheet.
export function csvPath(name, filters, extra = {}) {
  return apiPath('x', filters, extra).replace('/api/v1/analytics/x', `/api/v1/exports/${name}.csv`);
}

// { data, fetchedAt, offline }: the server's answer, or the copy kept from the last time it was fetched.
export async function loadFigures(path) {
  try {
    const data = await getJson(path);
    const fetchedAt = new Date().toISOString();
    await remember(path, { data, fetchedAt });
    return { data, fetchedAt, offline: false };
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    const kept = (await getMeta(CACHE_KEY, {}))[path];
    if (!kept) return { data: null, fetchedAt: null, offline: true };
    return { ...kept, offline: true };
  }
}

// A screen loads several figures at once: one read-modify-write of the kept copies at a time,
// or two answers arriving together would each drop the other.
let writing = Promise.resolve();

function remember(path, entry) {
  writing = writing.catch(() => {}).then(async () => {
    const cache = await getMeta(CACHE_KEY, {});
    cache[path] = entry;
    const newestFirst = Object.entries(cache).sort(([, a], [, b]) => b.fetchedAt.localeCompare(a.fetchedAt));
    await setMeta(CACHE_KEY, Object.fromEntries(newestFirst.slice(0, KEEP)));
  });
  return writing;
}

export function percent(ratio) {
  return ratio === null || ratio === undefined ? '–' : formatNumber(ratio, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function number(value, digits = 2) {
  return value === null || value === undefined ? '–' : formatNumber(Number(value), { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
