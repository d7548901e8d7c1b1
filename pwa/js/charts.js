// Charts for the managers' screens, drawn in the browser by uPlot (from npm, served by the app).
// Each chart sits beside a table with the same numbers, so nothing depends on reading a canvas.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { t } from './i18n.js';

const COLOURS = { brand: '#155e75', pass: '#067647', fail: '#b42318', warn: '#b54708', grey: '#98a2b3' };
const HEIGHT = 220;

let stylesheetAdded = false;

function addStylesheet() {
  if (stylesheetAdded) return;
  stylesheetAdded = true;
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/vendor/uplot/uPlot.min.css' }));
}

// Redraw at the container's width: phones rotate, laptop windows resize.
function fit(chart, container) {
  const observer = new ResizeObserver(() => {
    if (!container.isConnected) {
      observer.disconnect();
      chart.destroy();
      return;
    }
    const width = Math.max(240, container.clientWidth);
    if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height: HEIGHT });
  });
  observer.observe(container);
}

function width(container) {
  return Math.max(240, container.clientWidth || 320);
}

function short(label, max = 12) {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

// A click (or tap) on a bar calls onSelect with the bar's index.
function clickable(chart, onSelect) {
  if (!onSelect) return;
  chart.over.style.cursor = 'pointer';
  chart.over.addEventListener('click', () => {
    const index = chart.cursor.idx;
    if (index !== null && index !== undefined) onSelect(index);
  });
}

function categoryAxis(labels) {
  return {
    splits: () => labels.map((_, i) => i),
    values: (_, splits) => splits.map((i) => short(labels[i] ?? '')),
    rotate: labels.length > 4 ? -30 : 0,
    size: labels.length > 4 ? 70 : 40,
    grid: { show: false },
  };
}

// Bars of percentages per group (pass rate), with a second series of bars or a line beside them.
export function barChart(container, { labels, bars, line = null, onSelect = null, yLabel = '%', max = 100 }) {
  addStylesheet();
  const x = labels.map((_, i) => i);
  // The x series' legend entry names the hovered group (uPlot would write an English "Value" there).
  const series = [{ label: t('figures.group_name'), value: (_, i) => (i === null ? '' : labels[i] ?? '') }, ...bars.map((b, i) => ({
    label: b.label, scale: 'y', fill: `${[COLOURS.brand, COLOURS.pass][i] ?? COLOURS.grey}cc`, stroke: [COLOURS.brand, COLOURS.pass][i] ?? COLOURS.grey,
    // Two series side by side: the first to the left of each group's centre, the second to its right.
    paths: uPlot.paths.bars({ size: [bars.length > 1 ? 0.35 : 0.6, 48], align: bars.length > 1 ? (i === 0 ? -1 : 1) : 0 }),
    points: { show: false }, value: (_, v) => (v === null ? '–' : `${v.toFixed(1)}`),
  }))];
  const axes = [categoryAxis(labels), { scale: 'y', label: yLabel }];
  const scales = { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: [0, max] } };
  if (line) {
    series.push({ label: line.label, scale: 'line', stroke: COLOURS.warn, width: 2, points: { show: true, size: 6 },
      value: (_, v) => (v === null ? '–' : `${v.toFixed(1)}`) });
    axes.push({ scale: 'line', side: 1, label: line.axisLabel, grid: { show: false } });
    scales.line = { range: line.range || ((_, min, mx) => [0, Math.max(1, mx * 1.1)]) };
  }
  const data = [x, ...bars.map((b) => b.values), ...(line ? [line.values] : [])];
  const chart = new uPlot({ width: width(container), height: HEIGHT, scales, axes, series,
    cursor: { drag: { x: false, y: false }, points: { show: false } }, legend: { show: true } }, data, container);
  clickable(chart, onSelect);
  fit(chart, container);
  return chart;
}

// Lines over periods: x is each period's first day.
export function trendChart(container, { periods, lines, right = null, onSelect = null }) {
  addStylesheet();
  const x = periods.map((p) => Date.parse(`${p}T00:00:00Z`) / 1000);
  const palette = [COLOURS.brand, COLOURS.pass];
  const series = [{ label: t('figures.period'), value: (_, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
    ...lines.map((l, i) => ({ label: l.label, scale: '%', stroke: palette[i] ?? COLOURS.grey, width: 2,
      points: { show: true, size: 6 }, value: (_, v) => (v === null ? '–' : `${v.toFixed(1)} %`) }))];
  const axes = [{}, { scale: '%', label: '%' }];
  const scales = { x: { time: true }, '%': { range: [0, 100] } };
  const data = [x, ...lines.map((l) => l.values)];
  if (right) {
    series.push({ label: right.label, scale: 'right', stroke: COLOURS.warn, width: 2, dash: [6, 4],
      points: { show: true, size: 5 }, value: (_, v) => (v === null ? '–' : v.toFixed(2)) });
    axes.push({ scale: 'right', side: 1, label: right.label, grid: { show: false } });
    scales.right = { range: (_, min, mx) => [0, Math.max(1, mx * 1.2)] };
    data.push(right.values);
  }
  const chart = new uPlot({ width: width(container), height: HEIGHT, scales, axes, series, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } } }, data, container);
  clickable(chart, onSelect);
  fit(chart, container);
  return chart;
}
