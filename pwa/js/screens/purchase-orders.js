// The managers' list of purchase orders: filtered by factory, season and status (kept in the URL, so Back
// returns to the same list), 50 a page, each opening its order; the CSV import and export from here.
import { NetworkError } from '../api.js';
import { h, mount } from '../dom.js';
import { formatDay, t } from '../i18n.js';
import { exportUrl, listOrders, loadFactories, orderFiltersFromHash, query } from '../purchase-orders.js';
import { words } from '../vocabulary.js';

function go(filters) {
  location.hash = `#/orders${query(filters)}`;
}

function filterForm(filters, factories) {
  const change = (name, value) => {
    const next = { ...filters, [name]: value };
    delete next.page;
    go(next);
  };
  const field = (name, label, control) => h('div', { class: 'filter' }, h('label', { for: `orders-${name}` }, label), control);
  const select = (name, options) => h('select', { id: `orders-${name}`, 'data-testid': `orders-filter-${name}`,
    onchange: (e) => change(name, e.target.value) },
  h('option', { value: '' }, t('figures.all')),
  options.map(([value, text]) => h('option', { value, selected: value === filters[name] }, text)));
  return h('div', { class: 'filters card' }, h('div', { class: 'filter-grid' },
    field('factory_id', t('orders.factory'), select('factory_id',
      [...factories.values()].map((f) => [f.id, `${f.code} ${f.name}`]).sort((a, b) => a[1].localeCompare(b[1])))),
    field('season', t('orders.season'), h('input', { id: 'orders-season', 'data-testid': 'orders-filter-season',
      value: filters.season || '', maxlength: 16, placeholder: 'SS26', onchange: (e) => change('season', e.target.value.trim()) })),
    field('status', t('orders.status'), select('status', words('purchase_order_statuses').map((s) => [s, t(`po_status.${s}`)])))));
}

export async function showPurchaseOrders(root) {
  const filters = orderFiltersFromHash();
  mount(root, h('h1', {}, t('orders.title')), h('p', { class: 'loading' }, t('orders.loading')));
  let list;
  let factories;
  try {
    [list, factories] = await Promise.all([listOrders(filters), loadFactories()]);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    mount(root, h('h1', {}, t('orders.title')), h('p', { class: 'notice warn' }, t('orders.offline')));
    root.dataset.ordersReady = 'true';
    return;
  }
  const page = Number(list.page);
  mount(root,
    h('div', { class: 'toolbar' }, h('h1', {}, t('orders.title')),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: '#/orders/at-risk', 'data-testid': 'orders-at-risk-link' }, t('orders.at_risk')),
        h('a', { class: 'button primary', href: '#/orders/import', 'data-testid': 'orders-import-link' }, t('orders.import')),
        h('a', { class: 'button', href: exportUrl(filters), download: '' }, t('orders.export')))),
    filterForm(filters, factories),
    list.orders.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'figures', 'data-testid': 'orders-table' },
      h('thead', {}, h('tr', {}, ['orders.po_number', 'orders.factory', 'orders.season', 'orders.order_date', 'orders.status', 'orders.incoterm']
        .map((key) => h('th', { scope: 'col' }, t(key))))),
      h('tbody', {}, list.orders.map((order) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `#/orders/${order.id}`, 'data-testid': 'order-link' }, order.po_number)),
        h('td', {}, factories.get(order.factory_id)?.code || ''),
        h('td', {}, order.season || '–'),
        h('td', {}, formatDay(order.order_date)),
        h('td', {}, h('span', { class: `badge ${order.status}` }, t(`po_status.${order.status}`))),
        h('td', {}, order.incoterm || '–'))))))
      : h('p', { class: 'muted', 'data-testid': 'orders-none' }, t('orders.none')),
    list.pages > 1 ? h('div', { class: 'actions' },
      page > 1 ? h('a', { class: 'button', href: `#/orders${query({ ...filters, page: page - 1 })}` }, t('orders.previous')) : h('span'),
      h('span', { class: 'muted' }, t('orders.page', { page, pages: list.pages })),
      page < list.pages ? h('a', { class: 'button', href: `#/orders${query({ ...filters, page: page + 1 })}` }, t('orders.next')) : h('span')) : null);
  root.dataset.ordersReady = 'true';
}
