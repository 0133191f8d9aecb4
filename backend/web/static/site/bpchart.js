/**
 * Blood pressure by sitting, on a true time axis. Readings of one sitting are graded together on
 * their mean (CLINICAL.md), so the chart plots one point per sitting at the time of its last
 * reading: filled when the sitting had 2+ readings, hollow for a single reading. A single high
 * reading whose repeat was asked for and never taken (an abandoned sitting) is not plotted: it
 * is listed in the table with that note. Day ticks sit at midnight; the CTCAE grade bands are
 * shaded and labelled. The same sittings as a table serve screen readers and printing.
 * @module site/bpchart
 */
import { h } from '../common/dom.js';
import { t, formatDate, formatDateTime } from '../common/i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 230;
const MARGIN = { left: 44, right: 64, top: 10, bottom: 34 };
const DAY = 24 * 3600 * 1000;
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

/**
 * Readings grouped into sittings, oldest first, each with its mean and grade.
 * @param {Object[]} readings `{measured_at, systolic, diastolic, grade, sitting_id, advice_shown}`
 * @returns {Object[]} `{id, at, readings, systolic, diastolic, grade, single, abandoned}`
 */
export function sittings(readings) {
  const groups = new Map();
  for (const reading of [...readings].sort((a, b) => Date.parse(a.measured_at) - Date.parse(b.measured_at))) {
    if (!groups.has(reading.sitting_id)) groups.set(reading.sitting_id, []);
    groups.get(reading.sitting_id).push(reading);
  }
  return [...groups.entries()].map(([id, group]) => {
    const last = group[group.length - 1];
    const mean = (key) => Math.round(group.reduce((sum, reading) => sum + reading[key], 0) / group.length);
    return {
      id,
      at: Date.parse(last.measured_at),
      readings: group,
      systolic: mean('systolic'),
      diastolic: mean('diastolic'),
      grade: last.grade, // graded on the sitting's mean when its last reading came in
      single: group.length === 1,
      abandoned: group.length === 1 && last.advice_shown?.code === 'bp_repeat',
    };
  }).sort((a, b) => a.at - b.at);
}

function domain(points) {
  const times = points.map((point) => point.at);
  let [first, last] = [Math.min(...times), Math.max(...times)];
  if (last - first < DAY) {
    const middle = (first + last) / 2;
    [first, last] = [middle - DAY / 2, middle + DAY / 2];
  }
  const pad = (last - first) * 0.04;
  return [first - pad, last + pad];
}

function dayTicks(start, end) {
  const midnight = new Date(start);
  midnight.setHours(24, 0, 0, 0);
  const days = Math.ceil((end - start) / DAY);
  const step = Math.max(1, Math.ceil(days / 7));
  const ticks = [];
  for (let tick = midnight.getTime(); tick <= end; tick += step * DAY) ticks.push(tick);
  return ticks;
}

function chart(points, measure) {
  const { min, max, bands } = SCALES[measure];
  const [start, end] = domain(points);
  const x = (time) => MARGIN.left + ((time - start) / (end - start)) * (WIDTH - MARGIN.left - MARGIN.right);
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
  for (const tick of dayTicks(start, end)) {
    root.append(svg('line', { x1: x(tick), x2: x(tick), y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom, class: 'day-line' }));
    root.append(svg('text', { x: x(tick), y: HEIGHT - MARGIN.bottom + 16, class: 'axis-label', 'text-anchor': 'middle' }, formatDate(isoLocal(tick), { day: 'numeric', month: 'short' })));
  }
  const shown = points.filter((point) => !point.abandoned);
  root.append(svg('polyline', { points: shown.map((point) => `${x(point.at)},${y(point[measure])}`).join(' '), class: 'trend' }));
  for (const point of shown) {
    root.append(svg('circle', { cx: x(point.at), cy: y(point[measure]), r: 4.5, class: point.single ? 'point single' : 'point' },
      svg('title', {}, t('site.bp.point', { when: formatDateTime(new Date(point.at).toISOString()), systolic: point.systolic, diastolic: point.diastolic, count: point.readings.length }))));
  }
  return root;
}

function isoLocal(ms) {
  const date = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The BP section: two charts (systolic, diastolic) of sitting means and a table of sittings.
 * @param {Object[]} readings from GET /participants/{id}/bp-readings
 * @returns {HTMLElement}
 */
export function renderBloodPressure(readings) {
  if (!readings.length) return h('p', { text: t('site.bp.none') });
  const points = sittings(readings);
  const rows = [...points].reverse().map((point) => h('tr', {},
    h('td', { text: formatDateTime(new Date(point.at).toISOString()) }),
    h('td', { text: `${point.systolic}/${point.diastolic}` }),
    h('td', { text: point.readings.map((reading) => `${reading.systolic}/${reading.diastolic}`).join(', ') }),
    h('td', { text: point.grade ?? '—' }),
    h('td', { text: point.abandoned ? t('site.bp.abandoned') : point.single ? t('site.bp.single') : '' })));
  return h('div', { class: 'bp-section' },
    h('p', { class: 'hint', text: t('site.bp.legend') }),
    h('figure', {}, chart(points, 'systolic'), h('figcaption', { text: t('site.bp.systolic_chart') })),
    h('figure', {}, chart(points, 'diastolic'), h('figcaption', { text: t('site.bp.diastolic_chart') })),
    h('details', {},
      h('summary', { text: t('site.bp.table') }),
      h('div', { class: 'table-scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, ...['measured_at', 'mean', 'readings', 'grade', 'note'].map((key) => h('th', { scope: 'col', text: t(`site.bp.${key}`) })))),
        h('tbody', {}, ...rows)))));
}
