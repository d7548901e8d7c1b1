// The managers' orders at risk: open production orders projected past their ex-factory date, largest delay (or
// value) first, each with the stage that slipped and why; the delay reasons' shares across the portfolio above.
// Asked of the server (managers keep no factory's orders on their phone); the sort lives in the URL.
import { getJson, NetworkError } from '../api.js';
import { h, mount } from '../dom.js';
import { formatDay, formatNumber, t } from '../i18n.js';
import { records } from '../db.js';
import { reasonChips, reasonName } from './milestone-figures.js';

export async function showOrdersAtRisk(root) {
  const sort = new URLSearchParams(location.hash.split('?')[1] || '').get('sort') === 'value' ? 'value' : 'days_late';
  mount(root, h('h1', {}, t('risk.title')), h('p', { class: 'loading' }, t('orders.loading')));
  let answer;
  try {
    answer = await getJson(`/api/v1/production-orders/at-risk?sort=${sort}`);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return mount(root, h('h1', {}, t('risk.title')), h('p', { class: 'notice warn' }, t('orders.offline')));
  }
  const factories = await records('factory');
  const sortLink = (key) => h('a', { href: `#/orders/at-risk?sort=${key}`, 'aria-current': sort === key ? 'true' : null,
    class: 'button', 'data-testid': `risk-sort-${key}` }, t(`risk.sort.${key}`));
  return mount(root,
    h('div', { class: 'toolbar' }, h('h1', {}, t('risk.title')), h('div', { class: 'actions' }, sortLink('days_late'), sortLink('value'))),
    h('p', { class: 'muted' }, t('risk.summary', { n: answer.at_risk.length, of: answer.orders_looked_at })),
    answer.reason_shares.length ? h('section', { class: 'card' }, h('h2', {}, t('risk.reasons')),
      reasonChips(answer.reason_shares, 'risk-reasons')) : null,
    // On a phone the table scrolls sideways in its own box, the order column staying put: a named region the
    // keyboard can reach and scroll too.
    answer.at_risk.length ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('risk.title') }, h('table', { class: 'figures', 'data-testid': 'risk-table' },
      h('thead', {}, h('tr', {}, ['risk.order', 'orders.factory', 'risk.ex_factory', 'risk.projected', 'risk.days_late',
        'risk.stage', 'risk.reason', 'risk.value'].map((key) => h('th', { scope: 'col' }, t(key))))),
      h('tbody', {}, answer.at_risk.map((order) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `#/production-order/${order.production_order_id}`, 'data-testid': 'risk-order-link' }, order.number)),
        h('td', {}, factories.get(order.factory_id)?.code || ''),
        h('td', {}, order.ex_factory_date ? formatDay(order.ex_factory_date) : '–'),
        h('td', {}, order.projected_ship_date ? formatDay(order.projected_ship_date) : '–'),
        h('td', { 'data-testid': 'risk-days' }, formatNumber(order.days_late)),
        h('td', {}, order.slipping_stage ? t(`stage.${order.slipping_stage}`) : '–'),
        h('td', {}, order.reason ? reasonName(order.reason) : t('risk.no_reason')),
        h('td', {}, order.value === null ? '–' : `${formatNumber(Number(order.value), { maximumFractionDigits: 0 })} ${order.currency}`))))))
      : h('p', { class: 'notice', 'data-testid': 'risk-none' }, t('risk.none')));
}
