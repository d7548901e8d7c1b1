// The inspection report as a printable page, built on the phone from its own copy: it works offline
// right after finalize, so the factory sees the result on the spot and can print or share it. The
// same parts as the server's PDF, and the same content hash (computed here, checked by the server).
import { records } from '../db.js';
import { h, mount } from '../dom.js';
import { inspectionHash } from '../content-hash.js';
import { defectName, formatDateTime, t } from '../i18n.js';
import { thumbnailUrl } from '../photos.js';
import { loadContext } from './inspection.js';
import { severities } from '../vocabulary.js';
import { outOfTolerance } from './measurements.js';

function table(headers, rows, testid) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'figures report-table', 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, rows.map((row) => h('tr', { class: row.className || '' }, row.cells.map((c) => h('td', {}, c ?? '–')))))));
}

function when(value) {
  return value ? formatDateTime(value) : null;
}

export async function showReport(root, id, { user } = {}) {
  const inspection = (await records('inspection')).get(id);
  if (!inspection) {
    location.hash = '';
    return;
  }
  const context = await loadContext(inspection);
  const [factories, productionOrders, purchaseOrders, styles, items, techPacks, users] = await Promise.all([
    records('factory'), records('production_order'), records('purchase_order'), records('style'),
    records('inspection_item'), records('tech_pack_version'), records('user')]);
  const order = productionOrders.get(inspection.production_order_id);
  const purchase = order && purchaseOrders.get(order.purchase_order_id);
  const factory = factories.get(inspection.factory_id);
  const styleNames = [...new Set([...items.values()].filter((i) => i.inspection_id === id)
    .map((i) => styles.get(i.style_id)).filter(Boolean).map((s) => `${s.style_number} ${s.name}`))];
  const finalized = inspection.status === 'finalized';
  const hash = finalized ? await inspectionHash(id) : null;
  const { plans, judgement } = context;
  const verdict = inspection.verdict || judgement.overall;

  const header = [
    ['report.factory', factory ? `${factory.name} (${factory.code})` : null],
    ['report.purchase_order', purchase?.po_number], ['report.production_order', order?.number],
    ['report.styles', styleNames.join(', ') || null],
    ['report.tech_pack', techPacks.get(inspection.tech_pack_version_id)?.version_label],
    ['report.type', t(`type.${inspection.inspection_type}`)],
    ['report.started', when(inspection.started_at)], ['report.finished', when(inspection.finished_at)],
    ['report.inspector', users.get(inspection.inspector_id)?.display_name
      || (inspection.inspector_id && inspection.inspector_id === user?.id ? user.display_name : null)],
    ['report.lot', `${inspection.lot_size} · ${inspection.inspection_level || 'II'}`],
  ];
  const defectTypes = context.defectTypes;
  const groups = new Map();
  for (const defect of context.defects) {
    const group = groups.get(defect.defect_type_id) || { type: defectTypes.get(defect.defect_type_id), counts: { critical: 0, major: 0, minor: 0 }, notes: [] };
    group.counts[defect.severity] += 1;
    const note = [defect.location, defect.note].filter(Boolean).join(', ');
    if (note) group.notes.push(`${t(`class.${defect.severity}`)}: ${note}`);
    groups.set(defect.defect_type_id, group);
  }
  const specs = new Map(context.specs.map((s) => [s.id, s]));
  const templateText = new Map((context.template?.items || []).map((item) => [item.code, item.text]));
  const photos = await Promise.all(context.photos.map(async (p) => ({ ...p, url: await thumbnailUrl(p.sha256) })));
  const figure = (p) => h('figure', { class: 'report-photo' }, h('img', { src: p.url, alt: p.caption || t('report.photo'), width: 240 }),
    h('figcaption', {}, p.caption || ''));
  const share = navigator.share ? h('button', { type: 'button', onclick: () => navigator.share({
    title: t('report.title'),
    text: t('report.share_text', { factory: factory?.name || '', verdict: verdict ? t(`verdict.${verdict}`) : '–', hash: hash || '–' }),
  }).catch(() => {}) }, t('report.share')) : null;

  mount(root,
    h('div', { class: 'actions no-print' },
      h('a', { class: 'button', href: `#/inspection/${id}` }, t('back')),
      h('button', { type: 'button', class: 'primary', onclick: () => window.print(), 'data-testid': 'print' }, t('report.print')),
      share,
      finalized && navigator.onLine ? h('a', { class: 'button', href: `/api/v1/inspections/${id}/report.pdf`, target: '_blank', rel: 'noopener' }, t('report.pdf')) : null),
    h('article', { class: 'report', 'data-testid': 'report' },
      h('div', { class: 'summary-head' }, h('h1', {}, t('report.title')),
        verdict ? h('span', { class: `verdict ${verdict}`, 'data-testid': 'report-verdict' }, t(`verdict.${verdict}`)) : null),
      finalized ? null : h('p', { class: 'notice warn' }, t('report.not_finalized')),
      h('dl', { class: 'report-header' }, header.map(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value ?? '–')])),
      inspection.inspection_type === 'final' ? [h('h2', {}, t('section.quantity')),
        h('p', {}, t('report.quantity', { packed: inspection.packed_quantity ?? '–', ordered: inspection.ordered_quantity ?? '–',
          cartons: inspection.carton_count ?? '–', opened: (inspection.cartons_opened || []).join(', ') || '–' }))] : null,
      h('h2', {}, t('report.plan')),
      table(['figures.class', 'report.aql', 'figures.switching', 'report.sample', 'report.ac_re', 'report.found', 'figures.verdict'],
        severities().map((cls) => ({ className: judgement.verdicts?.[cls] === 'fail' ? 'fail' : '', cells: [t(`class.${cls}`),
          inspection[`aql_${cls}`], t(`switching.${inspection[`switching_${cls}`] || 'normal'}`), plans?.[cls].sample_size,
          plans ? `${plans[cls].accept} / ${plans[cls].reject}` : null, judgement.counts[cls],
          judgement.verdicts ? t(`verdict.${judgement.verdicts[cls]}`) : null] })), 'report-plan'),
      h('h2', {}, t('report.defects')),
      groups.size ? table(['figures.defect', 'class.critical', 'class.major', 'class.minor', 'report.notes'],
        [...groups.values()].map((g) => ({ cells: [g.type ? `${g.type.code} ${defectName(g.type)}` : '?', g.counts.critical,
          g.counts.major, g.counts.minor, g.notes.join('; ')] })), 'report-defects') : h('p', {}, t('report.no_defects')),
      context.measurements.size ? [h('h2', {}, t('section.measure')),
        table(['report.point', 'report.spec', 'report.measured', 'figures.verdict'], [...context.measurements.values()].map((m) => {
          const spec = specs.get(m.measurement_spec_id);
          const out = spec && outOfTolerance(spec, m.measured_value);
          return { className: out ? 'fail' : '', cells: [spec ? `${spec.size} ${spec.point_code} ${spec.point_name}` : '?',
            spec ? `${spec.spec_value} −${spec.tolerance_minus}/+${spec.tolerance_plus} ${spec.unit || ''}` : null,
            String(m.measured_value), out ? t('report.out_of_tolerance') : t('report.in_tolerance')] };
        }), 'report-measurements')] : null,
      context.checklist.size ? [h('h2', {}, t('section.checklist')),
        table(['report.item', 'report.check', 'figures.verdict', 'report.notes'], [...context.checklist.values()]
          .sort((a, b) => a.item_code.localeCompare(b.item_code)).map((c) => ({ className: c.result === 'fail' ? 'fail' : '',
            cells: [c.item_code, templateText.get(c.item_code), t(`checklist.${c.result}`), c.note] })), 'report-checklist')] : null,
      h('h2', {}, t('review.disposition')),
      h('p', {}, inspection.disposition ? t(`disposition.${inspection.disposition}`) : '–', inspection.notes ? ` · ${inspection.notes}` : ''),
      photos.some((p) => p.kind === 'signature') ? [h('h2', {}, t('report.signatures')),
        h('div', { class: 'report-photos' }, photos.filter((p) => p.kind === 'signature').map(figure))] : null,
      photos.some((p) => p.kind !== 'signature') ? [h('h2', {}, t('report.photos')),
        h('div', { class: 'report-photos' }, photos.filter((p) => p.kind !== 'signature').map(figure))] : null,
      h('h2', {}, t('report.hash')),
      h('p', { class: 'hash' }, hash ? [t('report.hash_text'), ' ', h('code', { 'data-testid': 'report-hash' }, hash)] : t('report.not_finalized'))));
  root.dataset.reportReady = 'true';
}
