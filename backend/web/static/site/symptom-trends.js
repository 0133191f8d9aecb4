/**
 * Symptom trends on the participant's page: each answer read as the question the patient was
 * asked (PRO-CTCAE wording and answer labels from the questionnaire the report names, in the
 * reader's language), severity over time as a table of reports (oldest left, newest right, the
 * worse the darker, always with the words and the score, never colour alone), temperature over
 * time on a true time axis with the 38 °C fever line, and each report with its advice.
 * Times are the participant's local time and say so. Bounded: the latest 60 reports.
 * @module site/symptom-trends
 */
import { h } from '../common/dom.js';
import { t, formatDate, formatDateTime } from '../common/i18n.js';
import { renderAdvice } from '../common/advice.js';
import { call } from './api.js';

export const REPORT_LIMIT = 60;
const TABLE_COLUMNS = 14; // reports shown side by side in the severity table
const SVG = 'http://www.w3.org/2000/svg';
const [WIDTH, HEIGHT] = [640, 200];
const MARGIN = { left: 44, right: 16, top: 10, bottom: 34 };
const FEVER_C = 38;
const DAY = 24 * 3600 * 1000;

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/**
 * Every item of the questionnaires the reports name: code -> {symptom, question, labels, max}.
 * @param {Object[]} questionnaires rendered questionnaires (GET …/symptom-items)
 * @returns {Map<string, Object>} by `${questionnaire}:${code}`
 */
function itemIndex(questionnaires) {
  const index = new Map();
  for (const questionnaire of questionnaires) {
    questionnaire.symptoms.forEach((group, groupOrder) => group.items.forEach((item, itemOrder) => {
      index.set(`${questionnaire.questionnaire}:${item.code}`, {
        code: item.code,
        symptom: group.title,
        question: item.question,
        labels: new Map(item.options.map((option) => [option.value, option.label])),
        max: Math.max(...item.options.map((option) => option.value)),
        order: groupOrder * 100 + itemOrder,
      });
    }));
  }
  return index;
}

/**
 * Load and render the section.
 * @param {Object} participant `{id, timezone}`
 * @returns {Promise<HTMLElement>}
 */
export async function renderSymptomTrends(participant) {
  const base = `/participants/${participant.id}`;
  const reports = await call('GET', `${base}/symptom-reports?limit=${REPORT_LIMIT}`);
  if (!reports.length) return h('p', { text: t('site.symptoms.none') });
  const keys = [...new Set(reports.map((report) => report.questionnaire))];
  const questionnaires = await Promise.all(keys.map((key) => call('GET', `${base}/symptom-items?questionnaire=${encodeURIComponent(key)}`)));
  const items = itemIndex(questionnaires);
  const oldestFirst = [...reports].sort((a, b) => Date.parse(a.reported_at) - Date.parse(b.reported_at));
  const zone = participant.timezone;
  const when = (instant, options = { dateStyle: 'medium', timeStyle: 'short' }) => formatDateTime(instant, { ...options, timeZone: zone });
  return h('div', { class: 'symptom-trends' },
    h('p', { class: 'hint', text: [
      t('site.symptoms.local_times', { zone }),
      reports.length >= REPORT_LIMIT ? t('site.symptoms.latest', { count: REPORT_LIMIT }) : '',
    ].filter(Boolean).join(' ') }),
    h('h3', { text: t('site.symptoms.severity_title') }),
    severityTable(oldestFirst.slice(-TABLE_COLUMNS), items, when),
    h('h3', { text: t('site.symptoms.temperature_title') }),
    temperatureChart(oldestFirst, when),
    h('details', { class: 'symptom-reports' },
      h('summary', { text: t('site.symptoms.each_report', { count: reports.length }) }),
      reportList([...oldestFirst].reverse(), items, when)));
}

function scored(report, items) {
  return Object.entries(report.answers ?? {})
    .map(([code, value]) => ({ item: items.get(`${report.questionnaire}:${code}`), value }))
    .filter(({ item }) => item); // an answer the questionnaire cannot read is not shown as a key
}

function severityTable(reports, items, when) {
  // rows: every item scored above 0 in these reports, in the questionnaire's order
  const rows = new Map();
  for (const report of reports) {
    for (const { item, value } of scored(report, items)) {
      if (value > 0 && !rows.has(item.code)) rows.set(item.code, item);
    }
  }
  const header = h('tr', {}, h('th', { scope: 'col', text: t('site.symptoms.question') }),
    ...reports.map((report) => h('th', { scope: 'col', class: 'nowrap', text: when(report.reported_at, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) })));
  const temperatureRow = h('tr', {},
    h('th', { scope: 'row', text: t('site.symptoms.temperature_row') }),
    ...reports.map((report) => h('td', { class: report.temperature_c >= FEVER_C ? 'sev sev-3' : 'sev', text: report.temperature_c == null ? '—' : `${report.temperature_c.toFixed(1)} °C` })));
  const ordered = [...rows.values()].sort((a, b) => a.order - b.order);
  const body = ordered.map((item) => h('tr', { 'data-item': item.code },
    h('th', { scope: 'row' }, h('span', { class: 'symptom-name', text: item.symptom }), h('span', { class: 'symptom-question', text: item.question })),
    ...reports.map((report) => {
      const value = report.answers?.[item.code];
      if (value === undefined) return h('td', { class: 'sev', text: '—', title: t('site.symptoms.not_asked') });
      const level = item.max ? Math.round((value / item.max) * 4) : 0;
      return h('td', { class: `sev sev-${level}`, text: `${item.labels.get(value) ?? value} (${value})` });
    })));
  return h('div', {},
    h('div', { class: 'table-scroll', role: 'region', tabindex: 0, 'aria-label': t('site.symptoms.severity_title') },
      h('table', { class: 'symptom-severity' }, h('thead', {}, header), h('tbody', {}, temperatureRow, ...body))),
    ordered.length ? null : h('p', { text: t('site.symptoms.all_zero') }));
}

function temperatureChart(reports, when) {
  const points = reports.filter((report) => report.temperature_c != null)
    .map((report) => ({ at: Date.parse(report.reported_at), value: report.temperature_c, report }));
  if (!points.length) return h('p', { text: t('site.symptoms.no_temperature') });
  let [start, end] = [Math.min(...points.map((p) => p.at)), Math.max(...points.map((p) => p.at))];
  if (end - start < DAY) [start, end] = [(start + end) / 2 - DAY / 2, (start + end) / 2 + DAY / 2];
  const pad = (end - start) * 0.04;
  [start, end] = [start - pad, end + pad];
  const [low, high] = [Math.min(35, ...points.map((p) => Math.floor(p.value))), Math.max(40, ...points.map((p) => Math.ceil(p.value)))];
  const x = (time) => MARGIN.left + ((time - start) / (end - start)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value) => MARGIN.top + (1 - (value - low) / (high - low)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'temperature-chart', role: 'img', 'aria-labelledby': 'temperature-chart-title' },
    svg('title', { id: 'temperature-chart-title' }, t('site.symptoms.temperature_title')));
  root.append(svg('rect', { x: MARGIN.left, y: y(high), width: WIDTH - MARGIN.left - MARGIN.right, height: y(FEVER_C) - y(high), class: 'band band-3' }));
  for (let degree = low; degree <= high; degree += 1) {
    root.append(svg('text', { x: MARGIN.left - 6, y: y(degree) + 4, class: 'axis-label', 'text-anchor': 'end' }, String(degree)));
  }
  root.append(svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(FEVER_C), y2: y(FEVER_C), class: 'band-line fever-line' }));
  root.append(svg('text', { x: MARGIN.left + 4, y: y(FEVER_C) - 4, class: 'band-label', 'text-anchor': 'start' }, t('site.symptoms.fever_line')));
  const days = Math.ceil((end - start) / DAY);
  const step = Math.max(1, Math.ceil(days / 7));
  const midnight = new Date(start);
  midnight.setHours(24, 0, 0, 0);
  for (let tick = midnight.getTime(); tick <= end; tick += step * DAY) {
    root.append(svg('line', { x1: x(tick), x2: x(tick), y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom, class: 'day-line' }));
    const label = new Date(tick);
    const iso = `${label.getFullYear()}-${String(label.getMonth() + 1).padStart(2, '0')}-${String(label.getDate()).padStart(2, '0')}`;
    root.append(svg('text', { x: x(tick), y: HEIGHT - MARGIN.bottom + 16, class: 'axis-label', 'text-anchor': 'middle' }, formatDate(iso, { day: 'numeric', month: 'short' })));
  }
  root.append(svg('polyline', { points: points.map((p) => `${x(p.at)},${y(p.value)}`).join(' '), class: 'trend' }));
  for (const point of points) {
    root.append(svg('circle', { cx: x(point.at), cy: y(point.value), r: 4.5, class: point.value >= FEVER_C ? 'point fever' : 'point' },
      svg('title', {}, t('site.symptoms.temperature_point', { value: point.value.toFixed(1), when: when(point.report.reported_at) }))));
  }
  return h('figure', {}, root, h('figcaption', { text: t('site.symptoms.temperature_caption') }));
}

function reportList(reports, items, when) {
  return h('ol', { class: 'timeline' }, ...reports.map((report) => {
    const answers = scored(report, items).filter(({ value }) => value > 0).sort((a, b) => a.item.order - b.item.order);
    return h('li', {},
      h('h4', { text: when(report.reported_at) }),
      report.temperature_c != null ? h('p', { text: t('site.symptoms.temperature', { value: report.temperature_c.toFixed(1) }) }) : null,
      answers.length
        ? h('dl', { class: 'facts symptom-answers' }, ...answers.map(({ item, value }) => h('div', {},
          h('dt', {}, h('span', { class: 'symptom-name', text: item.symptom }), ' ', h('span', { class: 'symptom-question', text: item.question })),
          h('dd', { text: `${item.labels.get(value) ?? value} (${value})` }))))
        : h('p', { text: t('site.symptoms.all_zero') }),
      ...renderAdvice(report.advice_shown));
  }));
}
