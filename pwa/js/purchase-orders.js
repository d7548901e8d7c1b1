// Purchase orders for the managers' screens, from the server (online): the list with its filters kept in the
// URL (#/orders?factory_id=...&season=...&status=...), an order with its lines, production orders and history,
// and the CSV import. The words of statuses and incoterms come with the served vocabulary.
import { getJson, request } from './api.js';

export const ORDER_FILTERS = ['factory_id', 'season', 'status', 'page'];

export function orderFiltersFromHash(hash = location.hash) {
  const params = new URLSearchParams(hash.split('?')[1] || '');
  return Object.fromEntries(ORDER_FILTERS.map((name) => [name, params.get(name)]).filter(([, value]) => value));
}

export function query(filters) {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const text = params.toString();
  return text ? `?${text}` : '';
}

// The factories the user may see, by id, from the server (its list is short): right after a login the phone's
// replica may not hold them yet.
export async function loadFactories() {
  return new Map((await getJson('/api/v1/factories?page_size=500')).map((f) => [f.id, f]));
}

// { orders, page, pages, total } of one page of the list.
export async function listOrders(filters) {
  const response = await request('GET', `/api/v1/purchase-orders${query({ ...filters, page_size: 50 })}`);
  const paging = JSON.parse(response.headers.get('X-Pagination') || '{}');
  return { orders: await response.json(), page: paging.page || 1, pages: paging.total_pages || 1, total: paging.total || 0 };
}

export function exportUrl(filters) {
  const { page: _page, ...rest } = filters;
  return `/api/v1/purchase-orders/export.csv${query(rest)}`;
}

// The order, its lines (with their styles), its production orders and the newest 100 entries of its history.
export async function loadOrder(id) {
  const [order, lines, productionOrders, history] = await Promise.all([
    getJson(`/api/v1/purchase-orders/${id}`),
    getJson(`/api/v1/purchase-order-lines?purchase_order_id=${id}&page_size=500`),
    getJson(`/api/v1/production-orders?purchase_order_id=${id}&page_size=500`),
    getJson(`/api/v1/purchase-orders/${id}/history?page_size=100`),
  ]);
  const styleIds = [...new Set(lines.map((line) => line.style_id))];
  const styles = new Map((await Promise.all(styleIds.map((styleId) => getJson(`/api/v1/styles/${styleId}`)))).map((s) => [s.id, s]));
  const factory = await getJson(`/api/v1/factories/${order.factory_id}`);
  return { order, lines, productionOrders, history, styles, factory };
}

// The server's report of an import (dryRun: what it would change, writing nothing). A refused file throws the
// ApiError whose fields hold every problem by row and column: { "3": { "unit_price": ["..."] } }.
export async function importOrders(file, { dryRun }) {
  const body = new FormData();
  body.append('file', file, file.name);
  const response = await request('POST', `/api/v1/purchase-orders/import${dryRun ? '?dry_run=true' : ''}`, { body });
  return response.json();
}

// [{ row, column, message }] in file order, from the fields of a refused import.
export function problemsOf(fields = {}) {
  const found = [];
  for (const [row, columns] of Object.entries(fields)) {
    const messages = Array.isArray(columns) ? { '': columns } : columns;
    for (const [column, list] of Object.entries(messages)) {
      for (const message of [].concat(list)) found.push({ row: Number(row) || null, column, message: String(message) });
    }
  }
  return found.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
}

// A size breakdown or stage plan as one line: "S=100; M=200".
export function pairs(value) {
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value !== 'object') return String(value);
  // A nested value (an inspection plan's classes in a booking's history) is written out, never "[object Object]".
  const text = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
  return Object.entries(value).map(([k, v]) => `${k}=${text(v)}`).join('; ') || '–';
}
