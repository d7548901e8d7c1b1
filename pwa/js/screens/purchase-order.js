// One purchase order for managers: its terms, its lines (style, colourway, sizes, quantity, exact unit price,
// dates), the production orders it is split into with each stage's planned date (each a link to its timeline),
// and its history from the server's audit trail (who changed what, when, old and new values).
import { ApiError, NetworkError } from '../api.js';
import { h, mount } from '../dom.js';
import { formatDay, formatNumber, t } from '../i18n.js';
import { loadOrder, pairs } from '../purchase-orders.js';
import { words } from '../vocabulary.js';
import { historySection } from './order-history.js';

function table(headers, rows, testid) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'figures', 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

function day(value) {
  return value ? formatDay(value) : '–';
}

// The stage plan in the order of the stages: "Cut 20 Mar 2026 · Sewing 1 Apr 2026".
function stagePlan(plan = {}) {
  const planned = words('milestone_stages').filter((stage) => plan[stage]);
  return planned.length ? planned.map((stage) => `${t(`stage.${stage}`)} ${formatDay(plan[stage])}`).join(' · ') : '–';
}

export async function showPurchaseOrder(root, id) {
  mount(root, h('h1', {}, t('orders.title')), h('p', { class: 'loading' }, t('orders.loading')));
  let loaded;
  try {
    loaded = await loadOrder(id);
  } catch (error) {
    if (!(error instanceof NetworkError) && !(error instanceof ApiError && error.status === 404)) throw error;
    mount(root, h('p', {}, h('a', { href: '#/orders' }, t('order.back'))),
      h('p', { class: 'notice warn' }, error instanceof NetworkError ? t('orders.offline') : t('order.not_found')));
    root.dataset.ordersReady = 'true';
    return;
  }
  const { order, lines, productionOrders, history, styles, factory } = loaded;
  const pieces = lines.reduce((sum, line) => sum + line.quantity, 0);
  const term = (key, value) => [h('dt', {}, t(key)), h('dd', {}, value)];
  mount(root,
    h('p', {}, h('a', { href: '#/orders' }, t('order.back'))),
    h('div', { class: 'toolbar' },
      h('h1', { 'data-testid': 'order-title' }, order.po_number, ' ', h('span', { class: `badge ${order.status}` }, t(`po_status.${order.status}`)))),
    h('section', { class: 'card' }, h('dl', { class: 'terms' },
      term('orders.factory', factory ? `${factory.code} · ${factory.name}` : '–'),
      term('orders.season', order.season || '–'),
      term('orders.order_date', day(order.order_date)),
      term('orders.incoterm', order.incoterm || '–'),
      term('orders.currency', order.currency),
      term('order.pieces', formatNumber(pieces)))),
    h('section', { class: 'card' }, h('h2', {}, t('order.lines')),
      lines.length ? table(['order.style', 'order.colourway', 'order.sizes', 'order.quantity', 'order.unit_price', 'order.ex_factory', 'order.in_warehouse'],
        lines.map((line) => {
          const style = styles.get(line.style_id);
          return [style ? `${style.style_number} ${style.name}` : line.style_id, line.colourway, pairs(line.size_breakdown),
            formatNumber(line.quantity), `${line.unit_price} ${line.currency}`, day(line.ex_factory_date), day(line.in_warehouse_date)];
        }), 'order-lines') : h('p', { class: 'muted' }, t('order.no_lines'))),
    h('section', { class: 'card' }, h('h2', {}, t('order.production_orders')),
      productionOrders.length ? table(['order.number', 'order.factory_line', 'order.colourway', 'order.quantity', 'order.ex_factory', 'orders.status', 'order.stage_plan'],
        productionOrders.map((po) => [h('a', { href: `#/production-order/${po.id}`, 'data-testid': 'production-order-timeline' }, po.number), po.factory_line || '–', po.colourway || '–', formatNumber(po.quantity),
          day(po.ex_factory_date || po.planned_finish), t(`order_status.${po.status}`), stagePlan(po.stage_plan)]), 'order-production-orders')
        : h('p', { class: 'muted' }, t('order.no_production_orders'))),
    historySection(history));
  root.dataset.ordersReady = 'true';
}
