// Checking what the inspector typed before anything reaches the outbox. Two kinds:
// - a value the server would refuse (its limits are served with the vocabulary): the message, in the
//   server's words, stands next to the field and nothing is recorded until it is fixed;
// - a value the server accepts but that is likely a typo (plausibility.js): a question next to the
//   field, "Yes, record it" or "Fix it". A question in the page, not window.confirm: it reads well on a
//   phone and leaves the rest of the screen usable.
import { h } from './dom.js';
import { formatNumber, t } from './i18n.js';
import { fieldLimits, problemWith } from './vocabulary.js';

// What is wrong with a value by the server's limits, in words that say what is allowed, or null.
export function fieldProblem(entity, field, value) {
  const problem = problemWith(entity, field, value);
  const limits = fieldLimits(entity, field);
  if (problem === 'required') return t('check.required');
  if (problem === 'range') return rangeMessage(limits);
  if (problem === 'too_long') return t('check.too_long', { max: limits.max_length });
  if (problem === 'too_short') return t('check.too_short', { min: limits.min_length });
  if (problem === 'choice') return t('check.choice');
  return problem;
}

// What a number field allows, in the phone's language and number format: the server's own message
// ("Must be a whole number from 1 to 10,000,000.") said the same way in English, "Phải là số nguyên từ 1 đến
// 10.000.000." in Vietnamese. The limits are the served ones, so the two never disagree.
export function rangeMessage(limits) {
  if (limits.whole) return t('check.whole_range', { min: limits.min, max: limits.max });
  const places = limits.places ?? 0;
  const decimal = (value) => formatNumber(value, { minimumFractionDigits: places, maximumFractionDigits: places });
  return t('check.decimal_range', { min: decimal(limits.min), max: decimal(limits.max), places });
}

// What a control holds, as typed. A number field the browser cannot read ("1.2.3", "-") reports '' like an
// empty one; it answers '?' instead, which no limit accepts, so it is never taken for "cleared".
export function typedValue(control) {
  return control.validity?.badInput ? '?' : control.value.trim();
}

// Shows (or, with null, clears) a problem next to a control; answers whether there was one.
export function markField(control, message) {
  const id = `problem-${control.id}`;
  let note = control.parentElement?.querySelector(`#${CSS.escape(id)}`);
  if (!message) {
    note?.remove();
    if (control.dataset.problem) {
      delete control.dataset.problem;
      control.removeAttribute('aria-invalid');
      control.removeAttribute('aria-describedby');
    }
    return false;
  }
  if (!note) {
    note = h('p', { id, class: 'error field-problem', role: 'alert', 'data-testid': id });
    control.after(note);
  }
  note.textContent = message;
  control.dataset.problem = 'true';
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', id);
  return true;
}

// Checks each { control, entity, field, value } and marks it; answers whether all are fine.
export function checkFields(entries) {
  let fine = true;
  for (const { control, entity, field, value } of entries) {
    if (markField(control, fieldProblem(entity, field, value))) fine = false;
  }
  return fine;
}

const open = new WeakMap();

// Asks the questions (texts) next to an element; resolves true on "Yes, record it", false on "Fix it"
// (the control, when given, gets the focus back) or when a newer question replaces this one.
export function ask(anchor, questions, control = null) {
  open.get(anchor)?.(false, false);
  if (!questions.length) return Promise.resolve(true);
  return new Promise((resolve) => {
    const answer = (yes, refocus = true) => {
      open.delete(anchor);
      box.remove();
      if (!yes && refocus && control) {
        control.focus();
        control.select?.();
      }
      resolve(yes);
    };
    const box = h('div', { class: 'notice warn question', role: 'group', 'aria-label': t('check.question'),
                           'data-testid': 'question' },
    questions.map((text) => h('p', { 'data-testid': 'question-text' }, text)),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', 'data-testid': 'question-yes', onclick: () => answer(true) },
        t('check.yes')),
      h('button', { type: 'button', 'data-testid': 'question-fix', onclick: () => answer(false) }, t('check.fix'))));
    open.set(anchor, answer);
    anchor.after(box);
  });
}
