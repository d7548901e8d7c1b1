// The designer's home: the defects of finalized inspections waiting for design's view, grouped by style, with
// the unreviewed critical and major defects on top. Filters live in the URL (#/reviews?severity=major...), so
// Back from a review returns to the same list; photos load as they scroll into view, the full one a tap away.
import { ApiError } from '../api.js';
import { records } from '../db.js';
import { newReviewHash, photoUrl, QUEUE_FILTERS, QUEUE_PAGE_SIZE, queueFiltersFromHash, queueHash, queuePath } from '../design-review.js';
import { h, mount } from '../dom.js';
import { loadFigures } from '../figures.js';
import { defectName, formatDay, t } from '../i18n.js';
import { words } from '../vocabulary.js';
import { freshness } from './figure-filters.js';

export async function showReviewQueue(root, { user }) {
  const filters = queueFiltersFromHash();
  const page = Number(filters.page || 1);
  mount(root, h('h1', {}, t('design.queue.title')), h('p', { class: 'loading' }, t('figures.loading')));
  let answer;
  try {
    answer = await loadFigures(queuePath(filters));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // A hand-edited URL the server refuses (dates the wrong way round): say which filter, keep the form.
    answer = { data: null, error };
  }
  const data = answer.data;
  // The defects' names in the screens' language, from the library on the phone (the server's rows are in English).
  const defectTypes = await records('defect_type');
  mount(root,
    h('div', { class: 'toolbar' }, h('h1', {}, t('design.queue.title')), h('span', { class: 'muted' }, user.display_name)),
    h('p', { class: 'notice' }, t('design.queue.intro'), ' ', h('a', { href: '#/defects', 'data-testid': 'defect-figures-link' }, t('design.queue.figures'))),
    answer.error ? h('p', { class: 'notice warn', role: 'alert', 'data-testid': 'queue-error' },
      answer.error.message, ' ', Object.keys(answer.error.fields || {}).map((name) => t(`design.filter.${name}`)).join(', ')) : null,
    answer.error ? null : freshness([answer]),
    await queueFilterForm(filters),
    data ? unreviewedSummary(data, filters) : null,
    data ? styleGroups(data, defectTypes) : null,
    data ? pager(data, filters, page) : null);
  root.dataset.figuresReady = 'true';
}

function unreviewedSummary(data, filters) {
  const tile = (n, key, testid) => h('li', { 'data-testid': testid }, h('strong', {}, n), h('span', {}, t(key)));
  return h('section', { 'aria-label': t('design.queue.unreviewed') },
    h('ul', { class: 'kpis' },
      tile(data.unreviewed.critical, 'design.queue.unreviewed_critical', 'unreviewed-critical'),
      tile(data.unreviewed.major, 'design.queue.unreviewed_major', 'unreviewed-major'),
      tile(data.total, 'design.queue.groups', 'queue-total')),
    data.unreviewed_by_style.length ? h('ul', { class: 'chips', 'data-testid': 'unreviewed-by-style' },
      data.unreviewed_by_style.slice(0, 8).map((s) => h('li', {}, h('a', {
        href: queueHash({ ...filters, style_id: s.style_id, review_status: 'unreviewed', page: undefined }) },
      `${s.style_number} `, h('span', { class: 'badge fail' }, t('design.queue.style_counts', { critical: s.critical, major: s.major })))))) : null);
}

function styleGroups(data, defectTypes) {
  if (!data.styles.length) return h('p', { class: 'muted', 'data-testid': 'queue-empty' }, t('design.queue.none'));
  return data.styles.map((style) => h('section', { class: 'card review-style', 'data-testid': `queue-style-${style.style_number}` },
    h('div', { class: 'toolbar' },
      h('h2', {}, `${style.style_number} ${style.name}`),
      h('span', { class: 'muted' }, [style.season, t(`category.${style.category}`)].filter(Boolean).join(' · ')),
      h('span', { class: style.unreviewed.critical + style.unreviewed.major ? 'badge fail' : 'badge' },
        t('design.queue.style_counts', style.unreviewed)),
      h('a', { class: 'button', href: `#/style-history/${style.style_id}`, 'data-testid': 'history-link' }, t('design.history.open'))),
    h('ul', { class: 'list review-rows' }, style.rows.map((row) => queueRow(row, defectTypes)))));
}

function queueRow(row, defectTypes) {
  const review = row.review;
  const name = defectName(defectTypes.get(row.defect_type_id) || { name: row.defect_name });
  const notes = row.defects.map((d) => [d.location, d.note].filter(Boolean).join(': ')).filter(Boolean);
  return h('li', { class: 'review-row', 'data-testid': 'queue-row' },
    h('div', { class: 'toolbar' },
      h('span', { class: `badge ${row.severity === 'minor' ? '' : 'fail'}` }, t(`class.${row.severity}`)),
      h('strong', { 'data-testid': 'row-defect' }, `${row.defect_code} ${name}`),
      h('span', { 'data-testid': 'row-count' }, t('design.queue.count', { n: row.count })),
      h('span', { class: 'muted' }, `${row.factory_name} · ${formatDay(row.finished_at)}`)),
    notes.length ? h('p', { class: 'muted note' }, notes.slice(0, 3).join(' · ')) : null,
    row.photos.length ? h('ul', { class: 'gallery' }, row.photos.map((photo) => h('li', {},
      h('a', { href: photoUrl(photo.sha256, 'display'), target: '_blank', rel: 'noopener', 'data-testid': 'full-photo',
        'aria-label': t('design.queue.full_photo') },
      h('img', { src: photoUrl(photo.sha256, 'thumb'), loading: 'lazy', width: 96, height: 96, alt: name,
        'data-testid': 'queue-thumb' }))))) : null,
    h('div', { class: 'actions' },
      h('span', { class: `badge review-${review ? review.status : 'unreviewed'}`, 'data-testid': 'row-status' },
        t(`design.status.${review ? review.status : 'unreviewed'}`)),
      review?.root_cause ? h('span', { class: 'muted' }, t(`design.cause.${review.root_cause}`)) : null,
      review?.fix_version_label ? h('span', { class: 'muted' }, t('design.review.fixed_in', { version: review.fix_version_label })) : null,
      review?.comments ? h('span', { class: 'muted' }, t('design.review.comments', { n: review.comments })) : null,
      h('a', { class: 'button', href: review ? `#/review/${review.id}` : newReviewHash(row), 'data-testid': 'open-review' },
        t(review ? 'design.queue.open_review' : 'design.queue.write_review'))));
}

function pager(data, filters, page) {
  const pages = Math.max(1, Math.ceil(data.total / QUEUE_PAGE_SIZE));
  if (pages <= 1) return null;
  return h('div', { class: 'actions', 'data-testid': 'queue-pages' },
    page > 1 ? h('a', { class: 'button', href: queueHash({ ...filters, page: page - 1 }) }, t('figures.previous')) : h('span'),
    h('span', {}, t('figures.page', { page, pages })),
    page < pages ? h('a', { class: 'button', href: queueHash({ ...filters, page: page + 1 }), 'data-testid': 'next-page' }, t('figures.next')) : h('span'));
}

async function queueFilterForm(filters) {
  const [factories, styles, defectTypes] = await Promise.all([records('factory'), records('style'), records('defect_type')]);
  const change = (name, value) => {
    const next = { ...filters, [name]: value };
    delete next.page;
    location.hash = queueHash(next);
  };
  const byText = (a, b) => a[1].localeCompare(b[1]);
  const seasons = [...new Set([...styles.values()].map((s) => s.season).filter(Boolean))].sort();
  const select = (name, options) => {
    const id = `queue-${name}`;
    return h('div', { class: 'filter' },
      h('label', { for: id }, t(`design.filter.${name}`)),
      h('select', { id, 'data-testid': id, onchange: (e) => change(name, e.target.value) },
        h('option', { value: '' }, t('figures.all')),
        options.map(([value, text]) => h('option', { value, selected: value === filters[name] }, text))));
  };
  const day = (name) => h('div', { class: 'filter' }, h('label', { for: `queue-${name}` }, t(`design.filter.${name}`)),
    h('input', { type: 'date', id: `queue-${name}`, value: filters[name] || '', onchange: (e) => change(name, e.target.value) }));
  const active = QUEUE_FILTERS.filter((name) => filters[name]).length;
  return h('details', { class: 'filters card', open: active > 0 || window.innerWidth > 900 },
    h('summary', {}, active ? t('figures.filters_active', { n: active }) : t('figures.filters')),
    h('div', { class: 'filter-grid' },
      select('review_status', words('review_queue_statuses').map((s) => [s, t(`design.status.${s}`)])),
      select('severity', words('severities').map((s) => [s, t(`class.${s}`)])),
      select('style_id', [...styles.values()].filter((s) => !filters.season || s.season === filters.season)
        .map((s) => [s.id, `${s.style_number} ${s.name}`]).sort(byText)),
      select('season', seasons.map((s) => [s, s])),
      select('category', words('product_categories').map((c) => [c, t(`category.${c}`)])),
      select('factory_id', [...factories.values()].map((f) => [f.id, f.name]).sort(byText)),
      select('defect_category', words('defect_categories').map((c) => [c, t(`design.defect_category.${c}`)])),
      select('defect_type_id', [...defectTypes.values()].filter((d) => !filters.defect_category || d.category === filters.defect_category)
        .map((d) => [d.id, `${d.code} ${defectName(d)}`]).sort(byText)),
      day('date_from'), day('date_to')),
    active ? h('a', { class: 'button', href: '#/reviews' }, t('figures.clear')) : null);
}
