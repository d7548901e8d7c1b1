// What design decided about this style's defects, on the inspector's phone: the reviews of the style (from any
// inspection of it), with their root cause, status, the tech-pack version that carries a fix and the comment
// thread. They arrive with the sync like every record of the factory, so they read offline.
import { records } from '../db.js';
import { h } from '../dom.js';
import { defectName, formatDay, t } from '../i18n.js';

export async function designNotes(inspection) {
  const [reviews, comments, items, packs, types] = await Promise.all([records('defect_review'), records('review_comment'),
    records('inspection_item'), records('tech_pack_version'), records('defect_type')]);
  const styles = new Set([...items.values()].filter((i) => i.inspection_id === inspection.id).map((i) => i.style_id));
  const pack = packs.get(inspection.tech_pack_version_id);
  if (pack) styles.add(pack.style_id);
  const shown = [...reviews.values()].filter((r) => styles.has(r.style_id))
    .sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
  if (!shown.length) return null;
  const thread = (review) => [...comments.values()].filter((c) => c.review_id === review.id)
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  return h('details', { class: 'card design-notes', 'data-testid': 'design-notes' },
    h('summary', {}, t('design.notes.title', { n: shown.length })),
    h('ul', { class: 'list' }, shown.map((review) => {
      const type = types.get(review.defect_type_id);
      const fix = packs.get(review.fix_tech_pack_version_id);
      return h('li', { class: 'review-row', 'data-testid': 'design-note' },
        h('div', { class: 'toolbar' },
          h('strong', {}, type ? `${type.code} ${defectName(type)}` : ''),
          h('span', { class: 'badge' }, t(`class.${review.severity}`)),
          h('span', { class: `badge review-${review.status}` }, t(`design.status.${review.status}`))),
        review.root_cause ? h('p', {}, t('design.notes.cause', { cause: t(`design.cause.${review.root_cause}`) })) : null,
        fix ? h('p', {}, t('design.notes.fix', { version: fix.version_label, date: formatDay(fix.issued_on) })) : null,
        thread(review).map((c) => h('p', { class: 'note' }, c.body)));
    })));
}
