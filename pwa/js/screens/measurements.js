// Measurements against the style's spec for the tech-pack version: point of measure, size, spec and
// tolerance; one record per point, size and piece; out-of-tolerance values highlighted in words too.
import { ask, fieldProblem, markField, typedValue } from '../checks.js';
import { upsert } from '../db.js';
import { h } from '../dom.js';
import { formatDecimal, t } from '../i18n.js';
import { measurementQuestions } from '../plausibility.js';

// Which size and piece the inspector is measuring, kept while they move between sections.
const chosen = new Map();

export function outOfTolerance(spec, value) {
  const measured = Number(value);
  const target = Number(spec.spec_value);
  return measured < target - Number(spec.tolerance_minus) || measured > target + Number(spec.tolerance_plus);
}

export function measurementSection(context, { readOnly, onChange, rerender }) {
  const { inspection, specs, measurements } = context;
  if (!specs.length) return h('section', { class: 'card' }, h('h2', {}, t('measure.title')), h('p', { class: 'muted' }, t('measure.no_spec')));
  const sizes = [...new Set(specs.map((s) => s.size))];
  const state = chosen.get(inspection.id) || { size: sizes[0], unit: 1 };
  chosen.set(inspection.id, state);
  const results = [...measurements.values()];
  const resultFor = (spec) => results.find((r) => r.measurement_spec_id === spec.id && Number(r.sample_unit) === state.unit);
  // The summary follows what is typed, before it is saved: every piece's values, the one being typed on top.
  const specById = new Map(specs.map((s) => [s.id, s]));
  const values = new Map(results.map((r) => [`${r.measurement_spec_id}/${Number(r.sample_unit)}`, r.measured_value]));
  const summary = h('p', { 'data-testid': 'measure-summary' });
  const showSummary = () => {
    const out = [...values].filter(([key, value]) => specById.has(key.split('/')[0])
      && outOfTolerance(specById.get(key.split('/')[0]), value)).length;
    summary.className = out ? 'notice warn' : 'muted';
    summary.textContent = t('measure.summary', { n: values.size, out });
  };
  const typed = (spec, value) => {
    const key = `${spec.id}/${state.unit}`;
    const saved = resultFor(spec)?.measured_value;
    if (value !== '' && Number.isFinite(Number(value))) values.set(key, value);
    else if (saved != null) values.set(key, saved);
    else values.delete(key);
    showSummary();
  };
  showSummary();
  // Saved in place, without redrawing the screen: the inspector types value after value, moving on
  // with Tab or the keyboard's Next, and a redraw would take the cursor (and the next digits) away.
  const rows = specs.filter((s) => s.size === state.size).sort((a, b) => a.point_code.localeCompare(b.point_code)).map((spec) => {
    let recordId = resultFor(spec)?.id ?? null;
    const id = `m-${spec.id}`;
    const badge = h('span', { class: 'badge fail' }, t('measure.out'));
    const row = h('li', { class: 'measure' },
      h('label', { for: id }, spec.point_name, ' ',
        h('span', { class: 'muted' }, t('measure.spec', { spec: formatDecimal(spec.spec_value), minus: formatDecimal(spec.tolerance_minus),
                                                         plus: formatDecimal(spec.tolerance_plus), unit: spec.unit }))),
      h('input', { id, type: 'number', inputmode: 'decimal', step: '0.01', value: resultFor(spec)?.measured_value ?? '', disabled: readOnly,
        enterkeyhint: 'next', 'data-testid': `measure-${spec.point_code}`,
        oninput: (e) => { typed(spec, e.target.value); mark(e.target.value); },
        onchange: async (e) => {
          const control = e.target;
          const typed = typedValue(control);
          if (typed === '') return void markField(control, null); // not measured yet: nothing to record
          // The server's limits (0.00 to 999,999.99, two decimals): 52.345 is never rounded away silently.
          if (markField(control, fieldProblem('measurement_result', 'measured_value', typed))) return;
          // 25 typed for a 52 cm spec is likely a slip: asked before it is recorded.
          if (!(await ask(badge, measurementQuestions(spec, typed), control))) return;
          const measured = Number(typed).toFixed(2);
          mark(measured);
          // An edit sends only the changed field, so it can conflict only with an edit of that field.
          recordId = await upsert('measurement_result', recordId ? { measured_value: measured }
            : { inspection_id: inspection.id, measurement_spec_id: spec.id, sample_unit: state.unit, measured_value: measured },
          recordId);
          onChange?.();
        } }),
      badge);
    const mark = (value) => {
      const bad = value !== '' && value != null && outOfTolerance(spec, value);
      row.classList.toggle('out', bad);
      row.querySelector('input').setAttribute('aria-invalid', bad ? 'true' : 'false');
      badge.hidden = !bad;
    };
    mark(resultFor(spec)?.measured_value);
    return row;
  });
  const pick = (name, options, value, onPick) => h('div', { class: 'field' }, h('label', { for: name }, t(`measure.${name}`)),
    h('select', { id: name, onchange: (e) => { onPick(e.target.value); rerender(); } },
      options.map((o) => h('option', { value: o, selected: String(o) === String(value) }, String(o)))));
  return h('section', { class: 'card', 'data-testid': 'measurements' },
    h('h2', {}, t('measure.title')),
    summary,
    h('div', { class: 'pair' },
      pick('size', sizes, state.size, (v) => { state.size = v; }),
      pick('unit', [1, 2, 3, 4, 5, 6, 7, 8], state.unit, (v) => { state.unit = Number(v); })),
    h('ul', { class: 'list measures' }, rows));
}
