// The quantity check of a final inspection: packed against ordered, the carton count, and the
// cartons to open, drawn by the app (square root of the count, rounded up) and kept with the inspection.
import { upsert } from '../db.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { cartonsToOpen, drawCartons, packedPercent } from '../cartons.js';

export function quantitySection(context, { readOnly, onChange, rerender }) {
  const { inspection } = context;
  const save = async (fields) => {
    await upsert('inspection', fields, inspection.id);
    onChange?.();
    await rerender();
  };
  const number = (name, label) => h('div', { class: 'field' }, h('label', { for: name }, label),
    h('input', { id: name, type: 'number', inputmode: 'numeric', min: 0, value: inspection[name] ?? '', disabled: readOnly,
      onchange: (e) => {
        const value = e.target.value === '' ? null : Math.max(0, Math.floor(Number(e.target.value)));
        const fields = { [name]: value };
        // A new carton count makes the earlier draw meaningless.
        if (name === 'carton_count' && inspection.cartons_opened?.length) fields.cartons_opened = null;
        return save(fields);
      } }));
  const percent = packedPercent(inspection.packed_quantity, inspection.ordered_quantity);
  const opened = inspection.cartons_opened || [];
  return h('section', { class: 'card', 'data-testid': 'quantity' },
    h('h2', {}, t('quantity.title')),
    number('ordered_quantity', t('quantity.ordered')),
    number('packed_quantity', t('quantity.packed')),
    percent == null ? null : h('p', { class: percent < 80 ? 'notice warn' : 'notice', 'data-testid': 'packed-percent' },
      t('quantity.percent', { percent }), percent < 80 ? [' ', t('quantity.under_80')] : null),
    number('carton_count', t('quantity.cartons')),
    inspection.carton_count > 0 ? h('p', {}, t('quantity.to_open', { n: cartonsToOpen(inspection.carton_count) })) : null,
    opened.length
      ? h('p', { 'data-testid': 'cartons-opened' }, t('quantity.opened'), ' ', h('strong', {}, opened.join(', ')))
      : (readOnly || !(inspection.carton_count > 0) ? null
        : h('button', { type: 'button', class: 'primary', 'data-testid': 'draw-cartons',
          onclick: () => save({ cartons_opened: drawCartons(inspection.carton_count) }) }, t('quantity.draw'))));
}
