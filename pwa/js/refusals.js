// Why the server refused a change, in the phone's language: the one place that turns a rejection's code and
// its per-field messages into words. The server answers in English (sync_push.py `_reject`: a code, a message
// and, per field, marshmallow's messages); the phone says each code it knows with its own sentence and rebuilds
// each field message from the served field limits (vocabulary.js), so a range reads "Phải là số nguyên từ 1
// đến 10.000.000." in Vietnamese. A code or message the phone does not know reads as the server wrote it:
// a reason is never blank.
import { rangeMessage } from './checks.js';
import { t } from './i18n.js';
import { fieldLimits } from './vocabulary.js';

// Each rejection code a sync mutation can get (server/services: records, operations, finalize, inspections,
// corrective_actions, reviews, bookings, write_locks; server/errors.py) → its sentence's key.
const SENTENCES = {
  validation_error: 'refused.invalid_fields',
  immutable_field: 'refusal.immutable_field',
  inspection_finalized: 'refusal.inspection_finalized',
  inspection_cancelled: 'refusal.inspection_cancelled',
  inspection_not_finalized: 'refusal.inspection_not_finalized',
  verdict_mismatch: 'refusal.verdict_mismatch',
  not_found: 'refusal.not_found',
  deleted: 'refusal.deleted',
  already_exists: 'refusal.already_exists',
  conflict: 'refusal.conflict',
  forbidden: 'refusal.forbidden',
  forbidden_field: 'refusal.forbidden_field',
  forbidden_transition: 'refusal.forbidden_transition',
  invalid_transition: 'refusal.invalid_transition',
  corrective_action_closed: 'refusal.corrective_action_closed',
  no_corrective_action_cause: 'refusal.no_corrective_action_cause',
  answer_incomplete: 'refusal.answer_incomplete',
  note_required: 'refusal.note_required',
  review_exists: 'refusal.review_exists',
  order_closed: 'refusal.order_closed',
  already_booked: 'refusal.already_booked',
  unknown_entity: 'refusal.unknown_entity',
  unknown_operation: 'refusal.unknown_operation',
  unavailable: 'refusal.unavailable',
};

// Codes whose server message names specifics the phone cannot rebuild (an order's number, a status, a role):
// the server's text stays next to the sentence, as a detail.
const WITH_SPECIFICS = new Set(['forbidden', 'forbidden_transition', 'invalid_transition', 'order_closed',
                                'already_booked', 'unknown_entity', 'unknown_operation']);

// Codes whose `fields` carry data, not per-field reasons (the server's plan and verdict against the phone's).
const FIELDS_ARE_DATA = new Set(['verdict_mismatch']);

// The rejection's sentence: { text, detail } where detail is the server's own words when they hold specifics
// (null otherwise). An unknown code: the server's message as the text.
export function refusalSentence(rejection) {
  const key = SENTENCES[rejection.code];
  if (!key) return { text: rejection.message || rejection.code || t('refusal.unknown'), detail: null };
  return { text: t(key), detail: WITH_SPECIFICS.has(rejection.code) && rejection.message ? rejection.message : null };
}

// The fields the server named with a reason, as [field, problems] pairs.
export function refusedFields(rejection) {
  if (FIELDS_ARE_DATA.has(rejection.code)) return [];
  return Object.entries(rejection.fields || {});
}

// A field by the label the inspector typed it under ("Lot size", "Cỡ lô"), else by its own label (field.*).
const SCREEN_LABELS = { lot_size: 'setup.lot_size', ordered_quantity: 'quantity.ordered', packed_quantity: 'quantity.packed',
                        carton_count: 'quantity.cartons', inspection_id: 'entity.inspection' };

export function fieldLabel(field) {
  return t(SCREEN_LABELS[field] ?? `field.${field}`);
}

// marshmallow's own messages (fixed texts of the library the server validates with) → their sentence.
const MARSHMALLOW = {
  'Missing data for required field.': () => t('check.required'),
  'Field may not be null.': () => t('refusal.field.not_null'),
  'Unknown field.': () => t('refusal.field.unknown_field'),
  'Cannot be changed after creation.': () => t('refusal.field.immutable'),
  'Not a valid choice.': () => t('check.choice'),
};
const WRONG_KIND = new Set(['Not a valid integer.', 'Not a valid number.', 'Not a valid string.', 'Not a valid UUID.',
                            'Not a valid date.', 'Not a valid datetime.', 'Not a valid boolean.', 'Not a valid list.',
                            'Not a valid mapping type.', 'Invalid input type.', 'Invalid value.']);

// The server's name for what a reference field points to (records.py `_label`: "defect_type_id" → "defect type").
function referenceLabel(field) {
  return field.replace(/_id$/, '').replaceAll('_', ' ');
}

// One field message in words: rebuilt from the served limits where the message is one of them, else the
// server's text.
function problemInWords(entity, field, problem) {
  const limits = fieldLimits(entity, field);
  const text = String(problem);
  if (limits?.message && text === limits.message) return rangeMessage(limits);
  if (text in MARSHMALLOW) return MARSHMALLOW[text]();
  if (WRONG_KIND.has(text)) {
    return limits && limits.min !== undefined && limits.max !== undefined ? rangeMessage(limits) : t('refusal.field.wrong_kind');
  }
  if (limits?.choices && text === `Must be one of: ${limits.choices.join(', ')}.`) {
    return t('refusal.field.one_of', { choices: limits.choices.join(', ') });
  }
  // A text field's length: marshmallow says "between 0 and 200" for an optional one, which is "at most 200".
  if (limits?.max_length !== undefined && text === `Length must be between ${limits.min_length ?? 0} and ${limits.max_length}.`) {
    return limits.min_length ? t('refusal.field.length_between', { min: limits.min_length, max: limits.max_length })
      : t('check.too_long', { max: limits.max_length });
  }
  if (limits?.max_length !== undefined && text === `Longer than maximum length ${limits.max_length}.`) {
    return t('check.too_long', { max: limits.max_length });
  }
  if (limits?.min_length !== undefined && text === `Shorter than minimum length ${limits.min_length}.`) {
    return t('check.too_short', { min: limits.min_length });
  }
  const label = referenceLabel(field);
  if (text === `Unknown ${label}.` || text === `No such ${label}.`) return t('refusal.field.unknown_reference');
  if (text === `The ${label} belongs to another factory.`) return t('refusal.field.other_factory');
  return text;
}

// The server's reasons for refusing one field, in the phone's language where the phone knows them.
export function refusalInWords(entity, field, problems) {
  const list = Array.isArray(problems) ? problems : [problems];
  return list.map((problem) => (problem && typeof problem === 'object' ? JSON.stringify(problem)
    : problemInWords(entity, field, problem))).join(' ');
}
