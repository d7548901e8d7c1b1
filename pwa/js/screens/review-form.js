// One design review: why these defects happened (root cause), where the fix stands (status), the tech-pack
// version of the style that carries it, and the comment thread. Written online, straight to the server: it
// answers at once when the review cannot be (an inspection not finalized yet, a version of another style).
import { ApiError, getJson, NetworkError, request } from '../api.js';
import { records } from '../db.js';
import { hashWith } from '../figures.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { defectName, formatDateTime, formatDay, t } from '../i18n.js';
import { navigate } from '../navigate.js';
import { words } from '../vocabulary.js';

const GROUP_FIELDS = ['inspection_id', 'style_id', 'defect_type_id', 'severity'];

export async function showReviewForm(root, id, { user }) {
  mount(root, h('h1', {}, t('design.review.title')), h('p', { class: 'loading' }, t('figures.loading')));
  const isNew = id === 'new';
  let review;
  let comments = [];
  try {
    if (isNew) {
      const params = new URLSearchParams(location.hash.split('?')[1] || '');
      review = Object.fromEntries(GROUP_FIELDS.map((name) => [name, params.get(name)]));
      review.status = 'new';
    } else {
      [review, comments] = await Promise.all([getJson(`/api/v1/defect-reviews/${id}`),
        getJson(`/api/v1/review-comments?review_id=${id}&page_size=500`)]);
    }
  } catch (error) {
    if (!(error instanceof ApiError) && !(error instanceof NetworkError)) throw error;
    mount(root, backLink(), h('h1', {}, t('design.review.title')),
      h('p', { class: 'notice warn', role: 'alert' }, error instanceof NetworkError ? t('design.review.offline') : error.message));
    root.dataset.figuresReady = 'true';
    return;
  }
  const [styles, defectTypes, packs] = await Promise.all([records('style'), records('defect_type'), records('tech_pack_version')]);
  const style = styles.get(review.style_id);
  const defectType = defectTypes.get(review.defect_type_id);
  const versions = [...packs.values()].filter((p) => p.style_id === review.style_id)
    .sort((a, b) => a.issued_on.localeCompare(b.issued_on) || a.version_label.localeCompare(b.version_label));
  const redraw = () => draw(() => showReviewForm(root, isNew ? 'new' : id, { user }));
  mount(root,
    backLink(),
    h('h1', {}, t('design.review.title')),
    new URLSearchParams(location.hash.split('?')[1] || '').get('saved')
      ? h('p', { class: 'notice', role: 'status', 'data-testid': 'review-saved' }, t('design.review.saved')) : null,
    h('section', { class: 'card' },
      h('h2', {}, defectType ? `${defectType.code} ${defectName(defectType)}` : t('design.review.defects')),
      h('p', {}, h('span', { class: `badge ${review.severity === 'minor' ? '' : 'fail'}` }, t(`class.${review.severity}`)), ' ',
        style ? `${style.style_number} ${style.name}` : ''),
      style ? h('p', {}, h('a', { href: `#/style-history/${style.id}`, 'data-testid': 'review-history-link' }, t('design.history.open'))) : null),
    reviewForm(review, versions, isNew),
    isNew ? null : commentThread(review, comments, user, redraw));
  root.dataset.figuresReady = 'true';
}

function backLink() {
  return h('p', {}, h('a', { href: '#/reviews', 'data-testid': 'back-to-queue' }, t('design.review.back')));
}

function field(name, label, control) {
  return h('div', { class: 'field', 'data-field': name }, h('label', { for: `review-${name}` }, label), control,
    h('p', { class: 'field-error', id: `review-${name}-error`, role: 'alert', hidden: true }));
}

function choices(name, values, selected, { empty = null } = {}) {
  return h('select', { id: `review-${name}`, name, 'data-testid': `review-${name}`, 'aria-describedby': `review-${name}-error` },
    empty ? h('option', { value: '' }, empty) : null,
    values.map(([value, text]) => h('option', { value, selected: value === selected }, text)));
}

function reviewForm(review, versions, isNew) {
  const message = h('p', { class: 'notice warn', role: 'alert', 'data-testid': 'review-error', hidden: true });
  const form = h('form', { class: 'card', 'data-testid': 'review-form', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    save(form, review, isNew, message);
  } },
  field('root_cause', t('design.review.root_cause'), choices('root_cause',
    words('review_root_causes').map((c) => [c, t(`design.cause.${c}`)]), review.root_cause, { empty: t('design.review.not_known') })),
  field('status', t('design.review.status'), choices('status',
    words('review_statuses').map((s) => [s, t(`design.status.${s}`)]), review.status)),
  field('fix_tech_pack_version_id', t('design.review.fix_version'), choices('fix_tech_pack_version_id',
    versions.map((v) => [v.id, `${v.version_label} · ${formatDay(v.issued_on)}`]), review.fix_tech_pack_version_id,
    { empty: t('design.review.no_version') })),
  message,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'save-review' },
    t(isNew ? 'design.review.create' : 'design.review.save'))));
  return form;
}

async function save(form, review, isNew, message) {
  const value = (name) => form.elements[name].value || null;
  const body = { root_cause: value('root_cause'), status: value('status'), fix_tech_pack_version_id: value('fix_tech_pack_version_id') };
  for (const element of form.querySelectorAll('.field-error')) element.hidden = true;
  message.hidden = true;
  try {
    const response = isNew
      ? await request('POST', '/api/v1/defect-reviews', { json: { ...Object.fromEntries(GROUP_FIELDS.map((n) => [n, review[n]])), ...body } })
      : await request('PATCH', `/api/v1/defect-reviews/${review.id}`, { json: body });
    const saved = await response.json();
    // The review now exists: its own address, so Back returns to the queue and a reload shows it (saved again
    // from that address, it is drawn again, saying so again).
    navigate(hashWith(`review/${saved.id}`, { saved: '1' }));
  } catch (error) {
    if (!(error instanceof ApiError) && !(error instanceof NetworkError)) throw error;
    message.textContent = error instanceof NetworkError ? t('design.review.offline') : error.message;
    message.hidden = false;
    for (const [name, problems] of Object.entries(error.fields || {})) {
      const slot = form.querySelector(`#review-${name}-error`);
      if (!slot) continue;
      slot.textContent = [].concat(problems).join(' ');
      slot.hidden = false;
    }
  }
}

function commentThread(review, comments, user, redraw) {
  const text = h('textarea', { id: 'review-comment', rows: 3, maxlength: 4000, 'data-testid': 'comment-text' });
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const post = async (event) => {
    event.preventDefault();
    problem.hidden = true;
    try {
      await request('POST', '/api/v1/review-comments', { json: { review_id: review.id, body: text.value } });
      // "Review saved." was said of the review, not of this comment: it goes.
      history.replaceState(null, '', hashWith(`review/${review.id}`, {}));
      await redraw();
    } catch (error) {
      if (!(error instanceof ApiError) && !(error instanceof NetworkError)) throw error;
      problem.textContent = error instanceof NetworkError ? t('design.review.offline') : error.message;
      problem.hidden = false;
    }
  };
  return h('section', { class: 'card', 'data-testid': 'comment-thread' },
    h('h2', {}, t('design.review.comments', { n: comments.length })),
    h('ol', { class: 'list comments' }, comments.map((c) => h('li', { 'data-testid': 'comment' },
      h('p', { class: 'muted' }, `${c.created_by_id === user.id ? t('design.review.you') : t('design.review.colleague')} · ${formatDateTime(c.created_at)}`),
      h('p', { class: 'note' }, c.body)))),
    h('form', { onsubmit: post },
      h('label', { for: 'review-comment' }, t('design.review.add_comment')), text, problem,
      h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'post-comment' }, t('design.review.post')))));
}
