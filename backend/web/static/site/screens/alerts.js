/**
 * The alert queue and single alerts (#alerts/<id>, the link in every alert e-mail).
 *
 * The default view is "not resolved" (open and acknowledged), urgent first, then oldest. An
 * action confirms in place: the card is redrawn where it is with a confirmation line, and the
 * list never re-sorts or drops a card under the cursor (a coordinator once resolved the wrong
 * patient's alert when the list shifted). Evidence is shown in words; ids only behind "details".
 * @module site/screens/alerts
 */
import { h, mount } from '../../common/dom.js';
import { t, formatDateTime } from '../../common/i18n.js';
import { field, showErrors, clearErrors, describeError } from '../../common/forms.js';
import { renderAdvice } from '../../common/advice.js';
import { call } from '../api.js';
import { can } from '../roles.js';
import { renderValue } from '../values.js';
import { alertLink, isAlertId, participantLink, routeHash } from '../route.js';
import { alertDeliveries } from '../deliveries.js';
import { callPage, loadMore } from '../paging.js';

const SEVERITIES = ['urgent', 'review', 'info'];
export const ALERT_PAGE = 25; // alerts per page of the queue (more load below, never above)
const STATUS_FILTERS = { unresolved: ['open', 'acknowledged'], open: ['open'], acknowledged: ['acknowledged'], resolved: ['resolved'], all: [] };
export const RULES = [
  'BP-CRISIS', 'BP-CONFIRMED-160-100', 'BP-UNCONFIRMED-HIGH', 'BP-PERSISTENT-G2', 'SYM-FEVER', 'SYM-HEMOPTYSIS', 'SYM-GI-BLEED',
  'SYM-DYSPNEA-SEVERE', 'SYM-CHEST-PAIN', 'SYM-SEVERE', 'SYM-WORSENING', 'SYM-NEW-RESPIRATORY', 'SYM-EYE',
  'SYM-MUCOSITIS-EATING', 'SYM-DIARRHEA-G2-2D', 'DOSE-MISSED', 'DOSE-MISSED-2', 'CYCLE-UNCONFIRMED', 'PILL-COUNT-DISCREPANCY', 'OPS-SCHEDULER',
];

/**
 * "2 h 15 min" since `since` (the page's clock).
 * @param {string} since ISO instant
 * @returns {string}
 */
export function elapsed(since) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 60000));
  if (minutes < 60) return t('site.duration.minutes', { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('site.duration.hours', { hours, minutes: minutes % 60 });
  return t('site.duration.days', { days: Math.floor(hours / 24), hours: hours % 24 });
}

/**
 * Route #alerts…: one alert when the path holds an alert id, else the queue.
 * @param {HTMLElement} main
 * @param {{parts: string[], query: URLSearchParams}} route
 * @returns {Promise<void>}
 */
export async function showAlerts(main, { parts = [], query = new URLSearchParams() } = {}) {
  if (isAlertId(parts[0])) return showOneAlert(main, parts[0]);
  return showQueue(main, query);
}

async function showOneAlert(main, alertId) {
  const alert = await call('GET', `/alerts/${alertId}`);
  mount(main,
    h('p', {}, h('a', { href: '#alerts', text: t('site.alerts.back') })),
    h('h1', { text: t('site.alerts.one_title', { study_id: alert.study_id }) }),
    h('div', { class: 'alert-list' }, alertCard(alert)),
    deliverySection(alert));
}

/**
 * The alert's notices and their delivery (read-only, every role that may see the alert); it
 * loads after the card, and a failure to load it is said in its place only.
 */
function deliverySection(alert) {
  const body = h('div', { class: 'section-body' }, h('p', { text: t('site.loading') }));
  alertDeliveries(alert).then(
    (content) => mount(body, content),
    (error) => mount(body, h('p', { class: 'form-error', text: describeError(error) })),
  );
  return h('section', { 'aria-labelledby': 'deliveries-heading', class: 'deliveries-section' },
    h('h2', { id: 'deliveries-heading', text: t('site.deliveries.title') }), body);
}

/**
 * The queue's filters from the URL: status (default "unresolved"), severity, participant, rule.
 * @param {URLSearchParams} query
 */
function filtersOf(query) {
  const status = STATUS_FILTERS[query.get('status')] ? query.get('status') : 'unresolved';
  return { status, severity: query.get('severity') ?? '', participant: query.get('participant') ?? '', rule: query.get('rule') ?? '' };
}

async function showQueue(main, query) {
  const filters = filtersOf(query);
  const params = new URLSearchParams();
  STATUS_FILTERS[filters.status].forEach((value) => params.append('status', value));
  if (filters.severity) params.set('severity', filters.severity);
  if (filters.participant) params.set('participant_id', filters.participant);
  if (filters.rule) params.set('rule_id', filters.rule);
  params.set('limit', String(ALERT_PAGE));
  const path = `/alerts?${params}`;
  const [first, participants] = await Promise.all([callPage(path), call('GET', '/participants')]);
  const list = h('ol', { class: 'alert-list' });
  const count = h('p', { role: 'status' });
  const shown = new Set();
  const append = (alerts) => {
    // keyset pages never overlap; the check only guards against a card appearing twice
    const added = alerts.filter((alert) => !shown.has(alert.id)).map((alert) => {
      shown.add(alert.id);
      return h('li', { 'data-alert-id': alert.id }, alertCard(alert),
        h('a', { class: 'ledger-link', href: alertLink(alert.id), text: t('site.deliveries.open_alert') }));
    });
    list.append(...added);
    count.textContent = t('site.alerts.count', { count: shown.size });
    return added;
  };
  append(first.rows);
  mount(main,
    h('h1', { text: t('site.alerts.title') }),
    filterForm(filters, participants),
    count,
    list,
    loadMore(path, first.next, append, t('site.alerts.load_more', { count: ALERT_PAGE })));
}

function filterForm(filters, participants) {
  const form = h('form', { class: 'filters', id: 'alert-filters' },
    field(t('site.alerts.status'), select('status', Object.keys(STATUS_FILTERS), filters.status, (v) => t(`site.alert_filter.${v}`))),
    field(t('site.alerts.severity'), select('severity', ['', ...SEVERITIES], filters.severity, (v) => (v ? t(`site.severity.${v}`) : t('site.all')))),
    field(t('site.alerts.participant'), select('participant', ['', ...participants.map((p) => p.id)], filters.participant,
      (v) => (v ? participants.find((p) => p.id === v).study_id : t('site.all')))),
    field(t('site.alerts.rule'), select('rule', ['', ...RULES], filters.rule, (v) => (v ? t(`site.rule.${v}`) : t('site.all')))),
    h('button', { type: 'submit', class: 'button-secondary', text: t('site.apply') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(['status', 'severity', 'participant', 'rule'].map((name) => [name, form.elements[name].value]));
    location.hash = routeHash('alerts', [], values);
  });
  return form;
}

function select(name, values, current, label) {
  const control = h('select', { name }, ...values.map((value) => h('option', { value, text: label(value) })));
  control.value = current;
  return control;
}

function fact(term, value, extraClass) {
  return h('div', { class: extraClass }, h('dt', { text: term }), h('dd', { text: value }));
}

function who(name, at, note, when) {
  return `${name ?? '—'}, ${when(at)}${note ? ` — ${note}` : ''}`;
}

/**
 * A formatter of instants in the participant's zone: the evidence lines the server writes are in
 * that zone ("38.3 °C at 23:34"), so the card's own times are too, never the browser's.
 * @param {?string} zone IANA zone
 * @returns {(iso: string) => string}
 */
function inZone(zone) {
  return (iso) => formatDateTime(iso, { dateStyle: 'medium', timeStyle: 'short', ...(zone ? { timeZone: zone } : {}) });
}

/**
 * One alert: what happened in words, how long it has waited, the advice the patient saw (once),
 * the published source, and (for roles that may act) Acknowledge and Resolve.
 * @param {Object} alert from the API
 * @param {string} [confirmation] shown at the top after an action on this card
 * @returns {HTMLElement}
 */
export function alertCard(alert, confirmation = '') {
  const when = inZone(alert.participant_timezone);
  const card = h('article', { class: `alert-card severity-${alert.severity} status-${alert.status}`, 'aria-labelledby': `alert-${alert.id}` },
    confirmation ? h('p', { class: 'confirmation', role: 'status', text: confirmation }) : null,
    h('h2', { id: `alert-${alert.id}` },
      h('span', { class: `severity-badge severity-${alert.severity}`, text: `${t(`site.severity_symbol.${alert.severity}`)} ${t(`site.severity.${alert.severity}`)}` }),
      ' ', h('a', { href: participantLink(alert.participant_id), text: alert.study_id }),
      ' — ', alert.text.title),
    h('dl', { class: 'facts' },
      fact(t('site.alerts.status'), t(`site.alert_status.${alert.status}`)),
      fact(t('site.alerts.opened_at'), `${when(alert.opened_at)} (${t('site.alerts.ago', { duration: elapsed(alert.opened_at) })})`,
        alert.status === 'open' ? 'waiting' : null),
      alert.escalated_at ? fact(t('site.alerts.escalated'), when(alert.escalated_at), 'escalated') : null,
      alert.acknowledged_at ? fact(t('site.alerts.acknowledged'), who(alert.acknowledged_by_name, alert.acknowledged_at, alert.acknowledge_note, when)) : null,
      alert.resolved_at ? fact(t('site.alerts.resolved'), who(alert.resolved_by_name, alert.resolved_at, alert.resolution_note, when)) : null,
      alert.holds_participant_waiting ? fact(t('site.alerts.waiting'), t('site.alerts.waiting_detail'), 'waiting') : null,
      alert.decision ? fact(t('site.alerts.decision'), `${t(`site.alerts.decision_${alert.decision}`)}, ${when(alert.decided_at)}`) : null),
    alert.participant_timezone ? h('p', { class: 'hint', text: t('site.alerts.local_times', { zone: alert.participant_timezone }) }) : null,
    h('h3', { text: t('site.alerts.evidence') }),
    h('ul', { class: 'evidence' }, ...alert.text.evidence.map((line) => h('li', { text: line }))),
    alert.occurrences > alert.text.evidence.length
      ? h('p', { class: 'hint', text: t('site.alerts.more_evidence', { count: alert.occurrences - alert.text.evidence.length }) })
      : null,
    alert.advice_shown?.length ? h('h3', { text: t('site.alerts.advice_shown') }) : null,
    ...renderAdvice(alert.advice_shown),
    h('p', { class: 'source' }, h('strong', { text: `${t('site.alerts.source')}: ` }), alert.text.source),
    details(alert, when));
  if (alert.status !== 'resolved' && can('alerts.act')) card.append(actionForms(alert, card));
  return card;
}

function details(alert, when) {
  return h('details', { class: 'alert-details' },
    h('summary', { text: t('site.alerts.details') }),
    h('dl', { class: 'facts' },
      fact(t('site.alerts.alert_id'), alert.id),
      fact(t('site.alerts.rule_id'), alert.rule_id),
      fact(t('site.alerts.participant_id'), alert.participant_id)),
    renderValue(alert.evidence, when));
}

function actionForms(alert, card) {
  const forms = h('div', { class: 'alert-actions' });
  if (alert.status === 'open') forms.append(noteForm(alert, 'acknowledge', false, card));
  forms.append(noteForm(alert, 'resolve', true, card));
  return forms;
}

/**
 * The site's decision on an alert that keeps its patient waiting (no anlotinib until decided):
 * continue (dose reminders resume) or hold (an investigator's hold from today). Resolving such an
 * alert needs one; acknowledging may leave it for later.
 */
function decisionField(alert, action) {
  if (!alert.holds_participant_waiting) return null;
  const required = action === 'resolve';
  const control = h('select', { name: 'decision', required },
    h('option', { value: '', text: required ? t('site.alerts.decision_choose') : t('site.alerts.decision_later') }),
    // a hold is an investigator's order: coordinators choose continue or leave it to them
    ...['continue', ...(can('site.order') ? ['hold'] : [])].map((value) => h('option', { value, text: t(`site.alerts.decision_${value}`) })));
  return field(t('site.alerts.decision'), control, t('site.alerts.decision_hint'));
}

function noteForm(alert, action, noteRequired, card) {
  const decision = decisionField(alert, action);
  const form = h('form', { id: `${action}-${alert.id}`, class: 'note-form', novalidate: true },
    decision,
    field(t(`site.alerts.${action}_note`), h('textarea', { name: 'note', rows: 2, required: noteRequired })),
    h('button', { type: 'submit', class: action === 'resolve' ? 'button-primary' : 'button-secondary', text: t(`site.alerts.${action}`) }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const note = form.elements.note.value.trim();
    if (noteRequired && !note) return showErrors(form, null, { note: t('validation.required') });
    const chosen = form.elements.namedItem('decision')?.value;
    if (decision && action === 'resolve' && !chosen) return showErrors(form, null, { decision: t('validation.required') });
    try {
      const body = { ...(note ? { note } : {}), ...(chosen ? { decision: chosen } : {}) };
      const updated = await call('POST', `/alerts/${alert.id}/${action}`, body);
      const name = action === 'resolve' ? updated.resolved_by_name : updated.acknowledged_by_name;
      const at = action === 'resolve' ? updated.resolved_at : updated.acknowledged_at;
      // Redraw this card where it stands: the list keeps its order and length.
      const next = alertCard(updated, t(`site.alerts.${action}d_confirmation`, { name, time: inZone(updated.participant_timezone)(at) }));
      card.replaceWith(next);
      const confirmation = next.querySelector('.confirmation');
      confirmation.setAttribute('tabindex', '-1');
      confirmation.focus({ preventScroll: true });
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}
