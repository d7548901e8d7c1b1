// The sampling plan and the live verdict of one inspection, computed offline from the cached
// ISO 2859-1 tables. The server recomputes both at finalize and refuses a mismatch.
import { planFor } from './aql.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { severities } from './vocabulary.js';


export function computePlans(tables, setup) {
  if (!tables || !setup.lot_size) return null;
  const plans = {};
  for (const cls of severities()) {
    plans[cls] = planFor(tables, Number(setup.lot_size), setup.inspection_level || 'II', setup[`aql_${cls}`] ?? '2.5',
                         setup[`switching_${cls}`] || 'normal');
  }
  return plans;
}

// The classes a set of plans judges (one plan per severity class, in the vocabulary's order).
function classesOf(plans) {
  return plans ? Object.keys(plans) : severities();
}

// Counts per class and the verdict: a class fails when its count reaches the rejection number.
export function judge(plans, defects) {
  const classes = classesOf(plans);
  const counts = Object.fromEntries(classes.map((cls) => [cls, defects.filter((d) => d.severity === cls).length]));
  if (!plans) return { counts, verdicts: null, overall: null };
  const verdicts = Object.fromEntries(classes.map((cls) => [cls, counts[cls] >= plans[cls].reject ? 'fail' : 'pass']));
  const overall = classes.some((cls) => verdicts[cls] === 'fail') ? 'fail' : 'pass';
  return { counts, verdicts, overall };
}

export function atLimit(plan, count) {
  return plan.accept > 0 && count === plan.accept;
}

export function planView(plans) {
  if (!plans) return h('p', { class: 'muted', 'data-testid': 'plan' }, t('plan.no_tables'));
  const sample = Math.max(...classesOf(plans).map((c) => plans[c].sample_size));
  const full = classesOf(plans).some((c) => plans[c].full_inspection);
  return h('div', { class: 'plan', 'data-testid': 'plan' },
    h('p', {}, t('plan.code_letter', { letter: plans.major.code_letter }), ' · ',
      h('strong', { 'data-testid': 'sample-size' }, full ? t('plan.full', { n: sample }) : t('plan.sample', { n: sample }))),
    h('ul', { class: 'classes' }, classesOf(plans).map((cls) => h('li', {},
      h('span', {}, t(`class.${cls}`)), ' ',
      h('span', { 'data-testid': `plan-${cls}` }, t('plan.accept_reject', { ac: plans[cls].accept, re: plans[cls].reject }))))));
}
