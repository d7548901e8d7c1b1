// Correcting the lot size of a started inspection, until it is finalized (the server refuses it after).
// The plan (sample size, Ac/Re) and the live verdict are computed from the lot size, so they follow on the
// redraw. Checked like the set-up: the server's limits first, then a question when more was packed than the lot.
import { ask, fieldProblem, markField, typedValue } from '../checks.js';
import { refusalInWords } from '../refusals.js';
import { batch, records, upsertChange } from '../db.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { quantityQuestions } from '../plausibility.js';

// The inspection whose lot size was just corrected, to say so once after the redraw.
let justCorrected = null;

// Offered where the figures are checked (Quantity, Finalize), and on every tab when the server refused the
// lot size or it was just corrected there; elsewhere it would push the tally buttons down.
export function offersLotCorrection(inspection, section) {
  return ['quantity', 'review'].includes(section) || Boolean(inspection._refused?.fields?.lot_size)
    || justCorrected === inspection.id;
}

export function lotSizeCorrection(inspection, { onChange, rerender }) {
  const input = h('input', { id: 'lot-size-correction', name: 'lot_size', type: 'number', inputmode: 'numeric', min: 1,
                             required: true, value: inspection.lot_size });
  const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'save-lot' }, t('lot.save'));
  const form = h('form', { class: 'lot-correction', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const typed = typedValue(input);
    if (markField(input, fieldProblem('inspection', 'lot_size', typed))) return void input.focus();
    const lot = Number(typed);
    if (lot === inspection.lot_size) return;
    if (!(await ask(save, quantityQuestions({ ...inspection, lot_size: lot }, 'lot_size'), input))) return;
    // The item set up with the whole lot (one style) follows it, in the same batch.
    const items = [...(await records('inspection_item')).values()]
      .filter((item) => item.inspection_id === inspection.id && item.quantity === inspection.lot_size);
    await batch([upsertChange('inspection', { lot_size: lot }, inspection.id),
                 ...items.map((item) => upsertChange('inspection_item', { quantity: lot }, item.id))]);
    justCorrected = inspection.id;
    onChange?.();
    await rerender();
  } },
  h('div', { class: 'field' }, h('label', { for: 'lot-size-correction' }, t('setup.lot_size')), input),
  save);
  const saved = justCorrected === inspection.id;
  justCorrected = null;
  // Refused by the server: open, with the server's reason next to the field, to be corrected and sent again.
  const refused = inspection._refused?.fields?.lot_size;
  if (refused) markField(input, refusalInWords('inspection', 'lot_size', refused));
  return h('details', { class: 'card lot-details', open: saved || refused || null },
    h('summary', { 'data-testid': 'correct-lot' }, t('lot.correct')),
    form,
    saved ? h('p', { role: 'status', 'data-testid': 'lot-saved' }, t('lot.saved')) : null);
}
