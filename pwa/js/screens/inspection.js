// One inspection: set-up while planned, then its sections (tally, quantity check for final
// inspections, measurements, checklist, photos, review and finalize) under a summary that keeps
// the running counts and the live verdict in view. Every change is a local record first.
import { getMeta, localIssues, record, records } from '../db.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { t } from '../i18n.js';
import { atLimit, computePlans, judge, planView } from '../plan.js';
import { checklistSection } from './checklist.js';
import { designNotes } from './design-notes.js';
import { issuesBanner } from './issues.js';
import { lotSizeCorrection, offersLotCorrection } from './lot-size.js';
import { measurementSection, outOfTolerance } from './measurements.js';
import { photoSection } from './photo-section.js';
import { quantitySection } from './quantity.js';
import { reviewSection } from './review.js';
import { showSetup } from './setup.js';
import { defectList, tallySection } from './tally.js';
import { shownVerdict } from '../shown-verdict.js';
import { severities } from '../vocabulary.js';

const SECTIONS = ['tally', 'quantity', 'measure', 'checklist', 'review'];
const INSPECTION_EDITORS = ['inspector', 'manager', 'admin'];

export async function showInspection(root, id, section, { user, onChange, redraw = false }) {
  const inspection = id === 'new' ? null : await record('inspection', id);
  if (id !== 'new' && !inspection) {
    location.hash = '';
    return;
  }
  // Factory users and designers see inspections; only inspectors, managers and admins change them.
  const mayChange = INSPECTION_EDITORS.includes(user.role);
  if (!inspection && !mayChange) {
    location.hash = '';
    return;
  }
  if (!inspection || (inspection.status === 'planned' && mayChange)) return showSetup(root, inspection, { user, onChange });
  const context = await loadContext(inspection);
  const readOnly = !mayChange || ['planned', 'finalized', 'cancelled'].includes(inspection.status);
  const available = SECTIONS.filter((s) => s !== 'quantity' || inspection.inspection_type === 'final');
  const current = available.includes(section) ? section : (readOnly ? 'review' : 'tally');
  // A redraw after a change on this screen, as opposed to opening it (redraw: false), which the tally tells apart.
  const rerender = () => draw(() => showInspection(root, id, current, { user, onChange, redraw: true })).then(() => {});
  const header = summary(inspection, context);
  const options = { user, readOnly, onChange, rerender, redraw, showTally: header.showTally };
  const body = {
    // The inspection's photos one tap from the top, not under a hundred defect types.
    tally: async () => [await photoSection(context, { ...options, compact: true }),
      readOnly ? h('section', { class: 'card' }, h('h2', {}, t('tally.title')), defectList(context)) : tallySection(context, options)],
    quantity: async () => [quantitySection(context, options)],
    measure: async () => [measurementSection(context, options)],
    checklist: async () => [checklistSection(context, options)],
    review: async () => [await reviewSection(context, options)],
  }[current];
  const scrollY = window.scrollY;
  mount(root,
    h('a', { class: 'button', href: '#/' }, t('back')),
    header.element,
    await issuesBanner(context.issues),
    tabs(inspection.id, available, current),
    // Until finalize the lot size can be corrected; the plan and verdict follow.
    !readOnly && offersLotCorrection(inspection, current) ? lotSizeCorrection(inspection, options) : null,
    ...(await body()),
    current === 'review' ? await photoSection(context, options) : null,
    // What design changed on this style, and why (design reviews, synced with the factory's records).
    await designNotes(inspection));
  // A tap re-renders the screen: keep the inspector where they were.
  window.scrollTo(0, scrollY);
}

export async function loadContext(inspection) {
  const [tables, defectTypes, allDefects, allPhotos, allMeasurements, allChecklist, specs, templates, items, styles] =
    await Promise.all([getMeta('aql_tables'), records('defect_type'), records('inspection_defect'), records('photo'),
      records('measurement_result'), records('checklist_result'), records('measurement_spec'),
      records('checklist_template'), records('inspection_item'), records('style')]);
  const mine = (map) => new Map([...map].filter(([, r]) => r.inspection_id === inspection.id));
  const defects = [...mine(allDefects).values()];
  const defectIds = new Set(defects.map((d) => d.id));
  const photos = [...allPhotos.values()].filter((p) => p.inspection_id === inspection.id || defectIds.has(p.defect_id));
  const measurements = mine(allMeasurements);
  const checklist = mine(allChecklist);
  const plans = safePlans(tables, inspection);
  const inspectionSpecs = [...specs.values()].filter((s) => s.tech_pack_version_id && s.tech_pack_version_id === inspection.tech_pack_version_id);
  const style = styles.get([...mine(items).values()][0]?.style_id);
  const template = [...templates.values()].find((tpl) => tpl.inspection_type === inspection.inspection_type
    && tpl.product_category === style?.category);
  const specById = new Map(inspectionSpecs.map((s) => [s.id, s]));
  const childIds = new Set([inspection.id, ...defectIds, ...photos.map((p) => p.id), ...measurements.keys(), ...checklist.keys()]);
  return {
    inspection, plans, judgement: judge(plans, defects), defectTypes, allDefects, defects, photos, measurements, checklist,
    specs: inspectionSpecs, template,
    measurementsOut: [...measurements.values()].filter((m) => specById.has(m.measurement_spec_id)
      && outOfTolerance(specById.get(m.measurement_spec_id), m.measured_value)).length,
    checklistFails: [...checklist.values()].filter((c) => c.result === 'fail').length,
    issues: await localIssues((issue) => childIds.has(issue.record_id) || issue.inspection_id === inspection.id),
  };
}

function safePlans(tables, inspection) {
  try {
    return computePlans(tables, inspection);
  } catch {
    return null;
  }
}

// Compact on purpose: it stays in view (sticky) above the tally, so the buttons stay within thumb reach.
// showTally() puts a tap's new count and verdict on screen in the same frame, before the (strict,
// about a millisecond) commit and the redraw that follows it.
function summary(inspection, { plans, judgement, defects, measurements, checklist }) {
  const { counts, verdicts } = judgement;
  const overall = plans ? shownVerdict(inspection, { plans, defects, recorded: measurements.size + checklist.size }) : null;
  const sample = plans ? Math.max(...severities().map((c) => plans[c].sample_size)) : null;
  const element = h('section', { class: 'summary', 'data-testid': 'summary' },
    h('div', { class: 'summary-head' },
      h('h1', {}, t(`type.${inspection.inspection_type}`), ' · ', t('inspection.lot', { lot: inspection.lot_size })),
      overall ? h('span', { class: `verdict ${overall}`, 'data-testid': 'verdict' }, t(`verdict.${overall}`)) : null),
    plans ? h('p', { class: 'muted plan-line' }, t('plan.code_letter', { letter: plans.major.code_letter }), ' · ',
      h('span', { 'data-testid': 'sample-size' }, t('plan.sample', { n: sample }))) : planView(null),
    h('ul', { class: 'counts' }, severities().map((cls) => h('li', { class: verdicts?.[cls] === 'fail' ? 'fail' : '' },
      h('span', { class: 'class-name' }, t(`class.${cls}`)),
      h('strong', { 'data-testid': `count-${cls}` }, String(counts[cls])),
      plans ? h('span', { class: 'muted', 'data-testid': `plan-${cls}` }, t('plan.ac_re', { ac: plans[cls].accept, re: plans[cls].reject })) : null,
      plans && atLimit(plans[cls], counts[cls]) ? h('span', { class: 'badge limit' }, t('verdict.at_limit')) : null))));
  const showTally = (severity) => {
    const next = judge(plans, [...defects, { severity }]);
    element.querySelector(`[data-testid=count-${severity}]`).textContent = String(next.counts[severity]);
    const verdict = element.querySelector('[data-testid=verdict]');
    if (verdict && next.overall) {
      verdict.className = `verdict ${next.overall}`;
      verdict.textContent = t(`verdict.${next.overall}`);
    }
  };
  return { element, showTally };
}

function tabs(id, available, current) {
  return h('nav', { class: 'tabs', 'aria-label': t('inspection.sections') }, available.map((section) => h('a', {
    href: `#/inspection/${id}/${section}`, class: 'tab', 'aria-current': section === current ? 'page' : null,
    'data-testid': `tab-${section}` }, t(`section.${section}`))));
}
