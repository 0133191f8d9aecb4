/**
 * Blood-pressure trend as inline SVG built with DOM APIs: one chart for systolic and one for
 * diastolic, each with the CTCAE grade bands shaded and labelled (120/80, 140/90, 160/100,
 * 180/110), plus the same readings as a table for screen readers and printing.
 * @module site/bpchart
 */
import { h } from '../common/dom.js';
import { t, formatDateTime } from '../common/i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { left: 44, right: 56, top: 10, bottom: 26 };
const SCALES = {
  systolic: { min: 80, max: 220, bands: [120, 140, 160, 180] },
  diastolic: { min: 40, max: 140, bands: [80, 90, 100, 110] },
};

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

function chart(readings, measure) {
  const { min, max, bands } = SCALES[measure];
  const times = readings.map((reading) => Date.parse(reading.measured_at));
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const span = Math.max(last - first, 24 * 3600 * 1000);
  const x = (time) => MARGIN.left + ((time - first) / span) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value) => MARGIN.top + (1 - (Math.min(Math.max(value, min), max) - min) / (max - min)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const titleId = `bp-${measure}-title`;
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'bp-chart', role: 'img', 'aria-labelledby': titleId },
    svg('title', { id: titleId }, t(`site.bp.${measure}_chart`)));
  const edges = [min, ...bands, max];
  edges.slice(0, -1).forEach((low, grade) => {
    const high = edges[grade + 1];
    root.append(svg('rect', { x: MARGIN.left, width: WIDTH - MARGIN.left - MARGIN.right, y: y(high), height: y(low) - y(high), class: `band band-${grade}` }));
    if (grade > 0) {
      root.append(svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(low), y2: y(low), class: 'band-line' }));
      root.append(svg('text', { x: MARGIN.left - 6, y: y(low) + 4, class: 'axis-label', 'text-anchor': 'end' }, String(low)));
    }
    root.append(svg('text', { x: WIDTH - MARGIN.right + 6, y: (y(low) + y(high)) / 2 + 4, class: 'band-label' }, t(`site.bp.band_${grade}`)));
  });
  const points = readings.map((reading, i) => [x(times[i]), y(reading[measure])]);
  root.append(svg('polyline', { points: points.map((point) => point.join(',')).join(' '), class: 'trend' }));
  readings.forEach((reading, i) => {
    root.append(svg('circle', { cx: points[i][0], cy: points[i][1], r: 4, class: 'point' },
      svg('title', {}, `${formatDateTime(reading.measured_at)}: ${reading.systolic}/${reading.diastolic} mmHg`)));
  });
  root.append(
    svg('text', { x: MARGIN.left, y: HEIGHT - 6, class: 'axis-label' }, formatDateTime(new Date(first).toISOString(), { dateStyle: 'medium' })),
    svg('text', { x: WIDTH - MARGIN.right, y: HEIGHT - 6, class: 'axis-label', 'text-anchor': 'end' }, formatDateTime(new Date(last).toISOString(), { dateStyle: 'medium' })));
  return root;
}

/**
 * The BP section: two charts and a readings table (newest first).
 * @param {Object[]} readings `{measured_at, systolic, diastolic, pulse, grade, sitting_id}`
 * @returns {HTMLElement}
 */
export function renderBloodPressure(readings) {
  if (!readings.length) return h('p', { text: t('site.bp.none') });
  const ordered = [...readings].sort((a, b) => Date.parse(a.measured_at) - Date.parse(b.measured_at));
  const rows = [...ordered].reverse().map((reading) => h('tr', {},
    h('td', { text: formatDateTime(reading.measured_at) }),
    h('td', { text: `${reading.systolic}/${reading.diastolic}` }),
    h('td', { text: reading.pulse ?? '—' }),
    h('td', { text: reading.grade ?? '—' })));
  return h('div', { class: 'bp-section' },
    h('figure', {}, chart(ordered, 'systolic'), h('figcaption', { text: t('site.bp.systolic_chart') })),
    h('figure', {}, chart(ordered, 'diastolic'), h('figcaption', { text: t('site.bp.diastolic_chart') })),
    h('details', {},
      h('summary', { text: t('site.bp.table') }),
      h('div', { class: 'table-scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, ...['measured_at', 'reading', 'pulse', 'grade'].map((key) => h('th', { scope: 'col', text: t(`site.bp.${key}`) })))),
        h('tbody', {}, ...rows)))));
}
