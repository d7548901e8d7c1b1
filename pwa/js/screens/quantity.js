// The quantity check of a final inspection: packed against ordered, the carton count, and the
// cartons to open, drawn by the app (square root of the count, rounded up) and kept with the inspection.
import { upsert } from '../db.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { cartonsToOpen, drawCartons, packedPercent } from '../cartons.js';
import { ask, fieldProblem, markField, typedValue } from '../checks.js';
import { quantityQuestions } from '../plausibility.js';

// The inputs save in place and only the figures derived from them are redrawn: the inspector types
// one number after another, and redrawing the inputs would drop what they type next.
export function quantitySection(context, { readOnly, onChange }) {
  const current = { ...context.inspection };
  const save = async (fields) => {
    Object.assign(current, fields);
    renderPercent();
    renderCartons();
    await upsert('inspection', fields, current.id);
    onChange?.();
  };
  const number = (name, label) => h('div', { class: 'field' }, h('label', { for: name }, label),
    h('input', { id: name, type: 'number', inputmode: 'numeric', min: 0, value: current[name] ?? '', disabled: readOnly,
      enterkeyhint: 'next',
      onchange: async (e) => {
        const control = e.target;
        const typed = typedValue(control);
        // The server's limits (a whole number from 0 to 10,000,000) next to the field: 2.5 is never rounded away.
        if (markField(control, fieldProblem('inspection', name, typed))) return;
        const value = typed === '' ? null : Number(typed);
        // A likely typo (more packed than ordered or than the lot, more cartons than pieces) is asked about first.
        if (!(await ask(control.parentElement, quantityQuestions({ ...current, [name]: value }, name), control))) return;
        const fields = { [name]: value };
        // A new carton count makes the earlier draw meaningless.
        if (name === 'carton_count' && current.cartons_opened?.length) fields.cartons_opened = null;
        return save(fields);
      } }));
  const percentSlot = h('div');
  const renderPercent = () => {
    const percent = packedPercent(current.packed_quantity, current.ordered_quantity);
    mount(percentSlot, percent == null ? null : h('p', { class: percent < 80 ? 'notice warn' : 'notice', 'data-testid': 'packed-percent' },
      t('quantity.percent', { percent }), percent < 80 ? [' ', t('quantity.under_80')] : null));
  };
  const cartonsSlot = h('div');
  const renderCartons = () => {
    const opened = current.cartons_opened || [];
    mount(cartonsSlot,
      current.carton_count > 0 ? h('p', {}, t('quantity.to_open', { n: cartonsToOpen(current.carton_count) })) : null,
      opened.length
        ? h('p', { 'data-testid': 'cartons-opened' }, t('quantity.opened'), ' ', h('strong', {}, opened.join(', ')))
        : (readOnly || !(current.carton_count > 0) ? null
          : h('button', { type: 'button', class: 'primary', 'data-testid': 'draw-cartons',
            onclick: () => save({ cartons_opened: drawCartons(current.carton_count) }) }, t('quantity.draw'))));
  };
  renderPercent();
  renderCartons();
  return h('section', { class: 'card', 'data-testid': 'quantity' },
    h('h2', {}, t('quantity.title')),
    number('ordered_quantity', t('quantity.ordered')),
    number('packed_quantity', t('quantity.packed')),
    percentSlot,
    number('carton_count', t('quantity.cartons')),
    cartonsSlot);
}
