// The filters of the managers' screens (period, dates, factory, style, category, type), kept in
// the URL so a view can be bookmarked and shared: changing one rewrites the hash, which redraws.
import { records } from '../db.js';
import { h } from '../dom.js';
import { hashWith } from '../figures.js';
import { formatDateTime, t } from '../i18n.js';
import { words } from '../vocabulary.js';

export const CATEGORIES = ['tops_knit', 'tops_woven', 'bottoms_denim', 'bottoms_woven', 'dresses', 'outerwear',
  'knitwear_sweaters', 'activewear', 'underwear', 'kidswear'];
const PERIODS = ['week', 'month', 'quarter'];

function select(name, label, options, value, onChange) {
  const id = `filter-${name}`;
  return h('div', { class: 'filter' },
    h('label', { for: id }, label),
    h('select', { id, name, 'data-testid': id, onchange: (e) => onChange(name, e.target.value) },
      h('option', { value: '' }, t('figures.all')),
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

export async function filterForm(screen, filters, { withFactory = true } = {}) {
  const [factories, styles] = await Promise.all([records('factory'), records('style')]);
  const change = (name, value) => {
    const next = { ...filters, [name]: value };
    delete next.page;
    location.hash = hashWith(screen, next);
  };
  const byName = (a, b) => a[1].localeCompare(b[1]);
  const active = Object.keys(filters).filter((k) => !['period', 'group_by', 'page'].includes(k)).length;
  return h('details', { class: 'filters card', open: active > 0 || window.innerWidth > 900 },
    h('summary', {}, active ? t('figures.filters_active', { n: active }) : t('figures.filters')),
    h('fieldset', { class: 'segmented', 'data-testid': 'filter-period' },
      h('legend', {}, t('figures.period')),
      PERIODS.map((p) => [
        h('input', { type: 'radio', name: 'period', id: `period-${p}`, value: p, checked: (filters.period || 'month') === p,
          onchange: () => change('period', p) }),
        h('label', { for: `period-${p}` }, t(`figures.period.${p}`))])),
    h('div', { class: 'filter-grid' },
      h('div', { class: 'filter' }, h('label', { for: 'filter-date_from' }, t('figures.date_from')),
        h('input', { type: 'date', id: 'filter-date_from', value: filters.date_from || '', onchange: (e) => change('date_from', e.target.value) })),
      h('div', { class: 'filter' }, h('label', { for: 'filter-date_to' }, t('figures.date_to')),
        h('input', { type: 'date', id: 'filter-date_to', value: filters.date_to || '', onchange: (e) => change('date_to', e.target.value) })),
      withFactory ? select('factory_id', t('figures.factory'),
        [...factories.values()].map((f) => [f.id, f.name]).sort(byName), filters.factory_id, change) : null,
      select('category', t('figures.category'), CATEGORIES.map((c) => [c, t(`category.${c}`)]), filters.category, change),
      select('style_id', t('figures.style'),
        [...styles.values()].filter((s) => !filters.category || s.category === filters.category)
          .map((s) => [s.id, `${s.style_number} ${s.name}`]).sort(byName), filters.style_id, change),
      select('inspection_type', t('figures.type'), words('inspection_types').map((v) => [v, t(`type.${v}`)]), filters.inspection_type, change)),
    active ? h('a', { class: 'button', href: hashWith(screen, { period: filters.period, group_by: filters.group_by }) }, t('figures.clear')) : null);
}

// "Offline: figures as fetched at ..." when an answer came from the copy kept on the device.
export function freshness(results) {
  const offline = results.filter((r) => r.offline);
  if (!offline.length) return null;
  const missing = offline.some((r) => !r.data);
  const oldest = offline.map((r) => r.fetchedAt).filter(Boolean).sort()[0];
  return h('p', { class: 'notice warn', 'data-testid': 'figures-offline' }, missing && !oldest
    ? t('figures.offline_none')
    : t('figures.offline_as_of', { time: formatDateTime(oldest) }));
}
