/**
 * How fast the site answers its alerts (#metrics?from=…&to=…): per severity, the median and
 * 90th percentile time to acknowledge and to resolve, and the share that met the protocol's
 * targets, for alerts opened in a chosen period (local dates in the site's zone; the last 30
 * days by default). The targets are stated above the table. Read-only, every staff role that
 * may read the site. GET /sites/{id}/response-metrics.
 * @module site/response-metrics
 */
import { h, mount } from '../common/dom.js';
import { t, formatDate } from '../common/i18n.js';
import { field, showErrors, clearErrors } from '../common/forms.js';
import { addDays } from '../common/dates.js';
import { call, session } from './api.js';
import { routeHash } from './route.js';
import { todayIn } from './reminders.js';

const SEVERITIES = ['urgent', 'review', 'info'];
export const DEFAULT_DAYS = 30;
// The protocol's targets (the API's defaults) and their bounds; a reader may measure against
// others (kept in the URL only when they differ).
const TARGETS = [
  ['urgent_ack_minutes', 60, 1, 7 * 24 * 60],
  ['review_ack_working_days', 1, 1, 30],
  ['resolve_hours', 48, 1, 24 * 90],
];

/**
 * Minutes as "45 min", "2 h 5 min", "3 d 4 h"; "—" when there is nothing to measure.
 * @param {?number} minutes
 * @returns {string}
 */
export function duration(minutes) {
  if (minutes === null || minutes === undefined) return '—';
  const whole = Math.round(minutes);
  if (whole < 60) return t('site.duration.minutes', { minutes: whole });
  const hours = Math.floor(whole / 60);
  if (hours < 48) return t('site.duration.hours', { hours, minutes: whole % 60 });
  return t('site.duration.days', { days: Math.floor(hours / 24), hours: hours % 24 });
}

function share(result, hasTarget, alerts) {
  if (!hasTarget) return h('td', { text: t('site.metrics.no_target') });
  if (!alerts) return h('td', { text: '—' });
  const counts = t('site.metrics.share_counts', { met: result.met, decided: result.met + result.missed });
  const pending = result.pending ? t('site.metrics.pending', { count: result.pending }) : '';
  const below = result.share !== null && result.share < 1;
  return h('td', { class: below ? 'metric-missed' : null },
    h('strong', { text: result.share === null ? '—' : `${Math.round(result.share * 100)} %` }),
    below ? h('span', { class: 'flag', text: ` ⚠ ${t('site.metrics.missed', { count: result.missed })}` }) : null,
    h('span', { class: 'metric-detail', text: result.share === null ? t('site.metrics.none_decided') : counts }),
    pending ? h('span', { class: 'metric-detail', text: pending }) : null);
}

function times(summary) {
  return [
    h('td', { class: 'nowrap', text: duration(summary.median_minutes) }),
    h('td', { class: 'nowrap', text: duration(summary.p90_minutes) }),
  ];
}

function table(metrics) {
  const group = (key, span) => h('th', { scope: 'colgroup', colspan: span, text: t(`site.metrics.group.${key}`) });
  const column = (key) => h('th', { scope: 'col', text: t(`site.metrics.col.${key}`) });
  return h('div', { class: 'table-scroll' }, h('table', { class: 'metrics' },
    h('thead', {},
      h('tr', {}, h('td', {}), h('td', {}), group('acknowledge', 3), group('resolve', 3)),
      h('tr', {}, column('severity'), column('alerts'), column('median'), column('p90'), column('within'), column('median'), column('p90'), column('within'))),
    h('tbody', {}, ...SEVERITIES.map((severity) => {
      const row = metrics.severities[severity];
      return h('tr', { 'data-severity': severity },
        h('th', { scope: 'row' }, h('span', { class: `severity-badge severity-${severity}`, text: `${t(`site.severity_symbol.${severity}`)} ${t(`site.severity.${severity}`)}` })),
        h('td', { text: t('site.metrics.alert_count', { count: row.alerts, open: row.open }) }),
        ...times(row.acknowledge),
        share(row.acknowledged_within_target, severity !== 'info', row.alerts),
        ...times(row.resolve),
        share(row.resolved_within_target, true, row.alerts));
    }))));
}

function targets(metrics, changed) {
  const { urgent_ack_minutes: urgent, review_ack_working_days: review, resolve_hours: resolve } = metrics.targets;
  return h('section', { 'aria-labelledby': 'targets-heading', class: 'metrics-targets' },
    h('h2', { id: 'targets-heading', text: t(changed ? 'site.metrics.targets_chosen' : 'site.metrics.targets') }),
    h('ul', {},
      h('li', { text: t('site.metrics.target_urgent', { duration: duration(urgent) }) }),
      h('li', { text: t('site.metrics.target_review', { days: review, zone: metrics.timezone }) }),
      h('li', { text: t('site.metrics.target_resolve', { hours: resolve }) })),
    h('p', { class: 'hint', text: t('site.metrics.how') }));
}

/**
 * Render the response-metrics view for the route's query (site, from, to).
 * @param {HTMLElement} main
 * @param {{query: URLSearchParams}} route
 * @returns {Promise<void>}
 */
export async function showMetrics(main, { query = new URLSearchParams() } = {}) {
  const user = session().user;
  const sites = await call('GET', '/sites');
  const site = sites.find((each) => each.id === (query.get('site') || user.site_id)) ?? sites[0];
  if (!site) return mount(main, h('h1', { text: t('site.metrics.title') }), h('p', { text: t('site.metrics.no_site') }));
  const today = todayIn(site.timezone);
  const period = { from: query.get('from') || addDays(today, -(DEFAULT_DAYS - 1)), to: query.get('to') || today };
  const chosenTargets = Object.fromEntries(TARGETS.map(([name, standard]) => [name, query.get(name) || String(standard)]));
  const changed = TARGETS.some(([name, standard]) => chosenTargets[name] !== String(standard));
  const form = h('form', { class: 'filters', id: 'metrics-period', novalidate: true },
    user.site_id ? null : field(t('site.participants.site'), h('select', { name: 'site' },
      ...sites.map((each) => h('option', { value: each.id, text: `${each.code} — ${each.name}`, selected: each.id === site.id })))),
    field(t('site.metrics.from'), h('input', { type: 'date', name: 'from', value: period.from, required: true })),
    field(t('site.metrics.to'), h('input', { type: 'date', name: 'to', value: period.to, required: true })),
    h('button', { type: 'submit', class: 'button-secondary', text: t('site.apply') }),
    h('details', { class: 'metrics-target-inputs', open: changed || null },
      h('summary', { text: t('site.metrics.change_targets') }),
      h('div', { class: 'filters' }, ...TARGETS.map(([name, , min, max]) =>
        field(t(`site.metrics.target_input.${name}`), h('input', { type: 'number', name, min, max, step: 1, value: String(chosenTargets[name]), required: true }))))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = { from: form.elements.from.value, to: form.elements.to.value };
    const missing = Object.fromEntries(Object.entries(chosen).filter(([, value]) => !value).map(([name]) => [name, t('validation.required')]));
    if (Object.keys(missing).length) return showErrors(form, null, missing);
    if (chosen.to < chosen.from) return showErrors(form, null, { to: t('site.metrics.to_before_from') });
    const wrong = Object.fromEntries(TARGETS.filter(([name, , min, max]) => {
      const value = Number(form.elements[name].value);
      return !Number.isInteger(value) || value < min || value > max || form.elements[name].value === '';
    }).map(([name, , min, max]) => [name, t('site.metrics.target_range', { min, max })]));
    if (Object.keys(wrong).length) {
      form.querySelector('.metrics-target-inputs').open = true;
      return showErrors(form, null, wrong);
    }
    const targetsQuery = Object.fromEntries(TARGETS.map(([name, standard]) => [name, form.elements[name].value === String(standard) ? '' : form.elements[name].value]));
    location.hash = routeHash('metrics', [], { site: user.site_id ? '' : form.elements.site?.value, ...chosen, ...targetsQuery });
  });
  const result = h('div', { class: 'section-body' });
  mount(main,
    h('h1', { text: t('site.metrics.title') }),
    h('p', { class: 'hint', text: t('site.metrics.intro') }),
    form,
    result);
  try {
    const metrics = await call('GET', `/sites/${site.id}/response-metrics?${new URLSearchParams({ from: period.from, to: period.to, ...chosenTargets })}`);
    mount(result,
      h('p', { role: 'status', text: t('site.metrics.period', {
        site: site.name,
        from: formatDate(metrics.from, { dateStyle: 'medium' }),
        to: formatDate(metrics.to, { dateStyle: 'medium' }),
        zone: metrics.timezone,
      }) }),
      table(metrics),
      targets(metrics, changed));
  } catch (error) {
    showErrors(form, error);
  }
}
