// Design review (the designer's home): the review queue's filters, kept in the URL after "?" like the figures'
// (#/reviews?severity=major&review_status=unreviewed), and the server paths of the queue and a style's history.
import { hashWith } from './figures.js';

export const QUEUE_FILTERS = ['style_id', 'season', 'factory_id', 'defect_type_id', 'category', 'defect_category',
  'severity', 'review_status', 'date_from', 'date_to'];
export const QUEUE_PAGE_SIZE = 25;

export function queueFiltersFromHash(hash = location.hash) {
  const params = new URLSearchParams(hash.split('?')[1] || '');
  const filters = {};
  for (const name of [...QUEUE_FILTERS, 'page']) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

export function queueHash(filters) {
  return hashWith('reviews', filters);
}

export function queuePath(filters) {
  const params = new URLSearchParams();
  for (const name of QUEUE_FILTERS) if (filters[name]) params.set(name, filters[name]);
  params.set('page', filters.page || 1);
  params.set('page_size', QUEUE_PAGE_SIZE);
  return `/api/v1/design-review/queue?${params}`;
}

export function historyPath(styleId) {
  return `/api/v1/design-review/styles/${styleId}/history`;
}

// A new review names its group of defects in the hash: #/review/new?inspection_id=...&style_id=...
export function newReviewHash(row) {
  return hashWith('review/new', { inspection_id: row.inspection_id, style_id: row.style_id,
    defect_type_id: row.defect_type_id, severity: row.severity });
}

// The photo endpoints serve a small derivative for the list and the display size one tap away.
export function photoUrl(sha256, size) {
  return `/api/v1/photos/${sha256}?size=${size}`;
}
