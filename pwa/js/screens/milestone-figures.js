// Milestone punctuality, as the dashboard and the factory scorecard show it: stages reached on or before their
// planned day, and why the late ones were late (the delay reason codes recorded with the milestones).
import { h } from '../dom.js';
import { percent } from '../figures.js';
import { t } from '../i18n.js';

export function reasonName(code) {
  return code === 'unexplained' ? t('risk.no_reason') : t(`delay.${code}`);
}

export function reasonChips(shares, testid) {
  return h('ul', { class: 'chips', 'data-testid': testid }, shares.map((share) => h('li', { class: 'badge' },
    `${reasonName(share.reason)}: ${percent(share.share)}`)));
}

// One factory's figures (the scorecard).
export function punctualitySection(figures) {
  return h('section', { class: 'card', 'data-testid': 'milestone-punctuality' }, h('h2', {}, t('milestones.punctuality')),
    figures && figures.stages ? [
      h('p', {}, t('milestones.on_time_text', { rate: percent(figures.on_time_rate), on_time: figures.on_time, n: figures.stages })),
      figures.delay_reasons.length ? reasonChips(figures.delay_reasons, 'milestone-reasons') : null,
    ] : h('p', { class: 'muted' }, t('milestones.none_planned')));
}
