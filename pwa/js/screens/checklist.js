// The checklist from the template for the product category and inspection type: each item pass,
// fail or not applicable, one record per item.
import { upsert } from '../db.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { words } from '../vocabulary.js';

export function checklistSection(context, { readOnly, onChange, rerender }) {
  const { inspection, template, checklist } = context;
  if (!template) return h('section', { class: 'card' }, h('h2', {}, t('checklist.title')), h('p', { class: 'muted' }, t('checklist.none')));
  const results = [...checklist.values()];
  const done = template.items.filter((item) => results.some((r) => r.item_code === item.code)).length;
  return h('section', { class: 'card', 'data-testid': 'checklist' },
    h('h2', {}, t('checklist.title')),
    h('p', { class: 'muted' }, template.name, ' · ', t('checklist.progress', { done, total: template.items.length })),
    h('ul', { class: 'list' }, template.items.map((item) => {
      const result = results.find((r) => r.item_code === item.code);
      return h('li', { class: `check-item ${result?.result || ''}` },
        h('fieldset', {}, h('legend', {}, item.text),
          h('div', { class: 'segmented' }, words('checklist_results').map((value) => {
            const id = `c-${item.code}-${value}`;
            return [h('input', { type: 'radio', id, name: `c-${item.code}`, value, checked: result?.result === value,
              disabled: readOnly, 'data-testid': `check-${item.code}-${value}`,
              onchange: async () => {
                await upsert('checklist_result', result ? { result: value }
                  : { inspection_id: inspection.id, item_code: item.code, result: value }, result?.id);
                onChange?.();
                await rerender();
              } }), h('label', { for: id }, t(`checklist.${value}`))];
          }))));
    })));
}
