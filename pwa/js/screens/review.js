// Review and finalize: the summary, the lot disposition (proposed from the verdict), the inspector's
// signature and the factory representative's acknowledgement, device time and, where allowed, the
// location. Finalized is read-only; the server recomputes the verdict and refuses a mismatch.
import { correctiveActionId, openActionChange } from '../corrective-actions.js';
import { batch, finalizeChange, getMeta, photoChange, upsertChange } from '../db.js';
import { h } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { currentLocation } from '../location.js';
import { signaturePad } from '../signature.js';
import { gallery } from './photo-section.js';
import { defectList } from './tally.js';
import { severities } from '../vocabulary.js';

const DISPOSITIONS = ['release', 'rework_reinspect', 'reject'];

export function proposedDisposition(judgement) {
  if (judgement.overall !== 'fail') return 'release';
  return judgement.verdicts.critical === 'fail' ? 'reject' : 'rework_reinspect';
}

export async function reviewSection(context, { user, readOnly, onChange, rerender }) {
  const { inspection, judgement, plans, photos, measurementsOut, checklistFails } = context;
  const signatures = photos.filter((p) => p.kind === 'signature');
  const facts = h('ul', { class: 'facts' },
    h('li', {}, t('review.defects', { n: context.defects.length })),
    h('li', {}, t('review.measurements', { n: context.measurements.size, out: measurementsOut })),
    h('li', {}, t('review.checklist', { n: context.checklist.size, fails: checklistFails })),
    inspection.inspection_type === 'final' && inspection.packed_quantity != null
      ? h('li', {}, t('review.packed', { packed: inspection.packed_quantity, ordered: inspection.ordered_quantity ?? '?' })) : null);
  if (readOnly) {
    return h('section', { class: 'card', 'data-testid': 'review' },
      h('h2', {}, t('finalize.title')),
      h('p', { class: 'notice', 'data-testid': 'finalized' }, t('finalize.readonly')),
      inspection.status === 'finalized'
        ? h('p', {}, h('a', { class: 'button primary', href: `#/report/${inspection.id}`, 'data-testid': 'open-report' }, t('report.open')))
        : null,
      inspection.disposition ? h('p', {}, t('review.disposition'), ': ', h('strong', {}, t(`disposition.${inspection.disposition}`))) : null,
      inspection.verdict === 'fail' || judgement.overall === 'fail'
        ? h('p', {}, h('a', { class: 'button', href: `#/actions/${await correctiveActionId(inspection.id)}`, 'data-testid': 'open-action' }, t('capa.open_action')))
        : null,
      inspection.finished_at ? h('p', { class: 'muted' }, t('review.finished', { time: formatDateTime(inspection.finished_at) })) : null,
      facts, defectList(context), signatures.length ? await gallery(signatures) : null);
  }

  let disposition = inspection.disposition || proposedDisposition(judgement);
  const dispositionChoice = h('fieldset', {}, h('legend', {}, t('review.disposition')),
    h('div', { class: 'segmented' }, DISPOSITIONS.map((value) => [
      h('input', { type: 'radio', id: `d-${value}`, name: 'disposition', value, checked: value === disposition,
                   'data-testid': `disposition-${value}`, onchange: () => { disposition = value; } }),
      h('label', { for: `d-${value}` }, t(`disposition.${value}`))])));
  const inspectorPad = signaturePad(t('review.inspector_signature', { name: user.display_name }), 'signature-inspector');
  const representative = h('input', { id: 'representative', type: 'text', maxlength: 200, autocomplete: 'off' });
  const factoryPad = signaturePad(t('review.factory_signature'), 'signature-factory');
  const declined = h('input', { id: 'declined', type: 'checkbox' });
  const message = h('p', { class: 'error', role: 'alert' });
  const finalize = async () => {
    message.textContent = '';
    if (inspectorPad.isEmpty()) return void (message.textContent = t('review.need_inspector_signature'));
    if (!declined.checked && (factoryPad.isEmpty() || !representative.value.trim())) {
      return void (message.textContent = t('review.need_factory_signature'));
    }
    if (!confirm(t('finalize.confirm'))) return;
    const where = (await getMeta('use_location', false)) ? await currentLocation() : null;
    // The signatures, the note of a refusal to sign and the finalize are recorded together or not at all.
    const changes = [await photoChange(await inspectorPad.toJpeg(), { inspection_id: inspection.id, kind: 'signature',
      caption: t('review.signed_inspector', { name: user.display_name }) })];
    if (!declined.checked) {
      changes.push(await photoChange(await factoryPad.toJpeg(), { inspection_id: inspection.id, kind: 'signature',
        caption: t('review.signed_factory', { name: representative.value.trim() }) }));
    }
    if (declined.checked) {
      changes.push(upsertChange('inspection', {
        notes: [inspection.notes, t('review.declined_note')].filter(Boolean).join('\n') }, inspection.id));
    }
    const verdict = { overall: judgement.overall };
    for (const cls of severities()) verdict[cls] = judgement.verdicts[cls];
    const fields = { verdict, finished_at: new Date().toISOString(), disposition };
    if (where) fields.finish_location = where;
    changes.push(finalizeChange(inspection.id, fields));
    // A failed lot opens the factory's corrective action here too, under the id the server derives for it, so
    // it is on the phone at once, offline, and merges with the server's when it syncs.
    if (judgement.overall === 'fail') changes.push(await openActionChange(inspection.id));
    await batch(changes);
    onChange?.();
    await rerender();
  };
  return h('section', { class: 'card', 'data-testid': 'review' },
    h('h2', {}, t('finalize.title')),
    facts,
    defectList(context),
    dispositionChoice,
    inspectorPad.element,
    h('div', { class: 'field' }, h('label', { for: 'representative' }, t('review.representative')), representative),
    factoryPad.element,
    h('div', { class: 'check' }, declined, h('label', { for: 'declined' }, t('review.declined'))),
    message,
    h('button', { type: 'button', class: 'primary', disabled: !plans, 'data-testid': 'finalize', onclick: finalize },
      t('finalize.button')));
}
