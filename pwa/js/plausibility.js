// Where a typo is likely: values the server accepts but that rarely happen, each answered with the
// question the inspector sees (checks.js asks it). These are the phone's own second looks, not rules the
// server enforces, so they live here and nowhere else.
import { formatDecimal, t } from './i18n.js';
import { words } from './vocabulary.js';

// Packed (or a stage's quantity) above this share of the ordered quantity is most likely a slip of the finger.
const OVER_ORDER = 1.1;
// A measurement this far from its spec, as a share of the spec value, is most likely mistyped.
const FAR_FROM_SPEC = 0.5;

const known = (value) => value !== null && value !== undefined && value !== '' && Number.isFinite(Number(value));

// The quantity check of an inspection (ordered, packed, cartons, lot size), after a change of `changed`.
export function quantityQuestions(values, changed) {
  const { ordered_quantity: ordered, packed_quantity: packed, carton_count: cartons, lot_size: lot } = values;
  const about = (...names) => names.includes(changed);
  const questions = [];
  if (about('packed_quantity', 'ordered_quantity') && known(packed) && known(ordered) && Number(ordered) > 0
      && Number(packed) > Number(ordered) * OVER_ORDER) {
    questions.push(t('check.packed_over_ordered', { packed: Number(packed), ordered: Number(ordered) }));
  }
  if (about('packed_quantity', 'lot_size') && known(packed) && known(lot) && Number(packed) > Number(lot)) {
    questions.push(t('check.packed_over_lot', { packed: Number(packed), lot: Number(lot) }));
  }
  if (about('carton_count', 'packed_quantity') && known(cartons) && known(packed) && Number(cartons) > Number(packed)) {
    questions.push(t('check.cartons_over_packed', { cartons: Number(cartons), packed: Number(packed) }));
  }
  return questions;
}

// A measurement more than half its spec away from the spec: 25 typed for a 52 cm chest.
export function measurementQuestions(spec, value) {
  const target = Number(spec.spec_value);
  if (!known(value) || !(target > 0) || Math.abs(Number(value) - target) <= target * FAR_FROM_SPEC) return [];
  return [t('check.far_from_spec', { value: Number(value), spec: formatDecimal(spec.spec_value), unit: spec.unit || '' })];
}

// A milestone that goes back: a stage earlier than one already recorded for the order, or a cumulative
// quantity lower than the last recorded for that stage (cut 1,000 then cut 100 is a typo, sewing 100 is not).
export function milestoneQuestions({ stage, quantity }, history, order, stageName) {
  const stages = words('milestone_stages');
  const questions = [];
  const furthest = history.reduce((best, e) => Math.max(best, stages.indexOf(e.stage)), -1);
  if (stages.indexOf(stage) < furthest) {
    questions.push(t('check.stage_earlier', { stage: stageName(stage), recorded: stageName(stages[furthest]) }));
  }
  const lastOfStage = history.filter((e) => e.stage === stage)
    .sort((a, b) => String(a.occurred_on).localeCompare(String(b.occurred_on)) || a.quantity - b.quantity).at(-1);
  if (lastOfStage && quantity < lastOfStage.quantity) {
    questions.push(t('check.quantity_lower', { quantity, last: lastOfStage.quantity, stage: stageName(stage) }));
  }
  if (order.quantity > 0 && quantity > order.quantity * OVER_ORDER) {
    questions.push(t('milestones.too_many', { total: order.quantity }));
  }
  return questions;
}
