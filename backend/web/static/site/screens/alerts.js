/**
 * The alert queue: urgent first, then oldest; each alert with its rule, evidence and the advice
 * the patient saw, and Acknowledge (optional note) and Resolve (note required) actions.
 * @module site/screens/alerts
 */
import { h, mount } from '../../common/dom.js';
import { t, formatDateTime } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { renderAdvice } from '../../common/advice.js';
import { call } from '../api.js';
import { renderValue } from '../values.js';

const SEVERITIES = ['urgent', 'review', 'info'];
const STATUSES = ['open', 'acknowledged', 'resolved'];

/**
 * Alerts in queue order: severity (urgent, review, info), then oldest opened first.
 * @param {Object[]} alerts
 * @returns {Object[]}
 */
function queueOrder(alerts) {
  return [...alerts].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || Date.parse(a.opened_at) - Date.parse(b.opened_at));
}

/**
 * Render the queue with its filters (kept in the URL: #alerts/<status>,<severity>).
 * @param {HTMLElement} main
 * @param {string} [filters] "open,urgent"; default "open,"
 * @returns {Promise<void>}
 */
export async function showAlerts(main, filters = 'open,') {
  const [status = 'open', severity = ''] = filters.split(',');
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (severity) query.set('severity', severity);
  const alerts = queueOrder(await call('GET', `/alerts?${query}`));
  const filterForm = h('form', { class: 'filters', id: 'alert-filters' },
    field(t('site.alerts.status'), select('status', ['', ...STATUSES], status, (v) => (v ? t(`site.alert_status.${v}`) : t('site.all')))),
    field(t('site.alerts.severity'), select('severity', ['', ...SEVERITIES], severity, (v) => (v ? t(`site.severity.${v}`) : t('site.all')))),
    h('button', { type: 'submit', class: 'button-secondary', text: t('site.apply') }));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#alerts/${filterForm.elements.status.value},${filterForm.elements.severity.value}`;
  });
  const reload = () => showAlerts(main, `${status},${severity}`);
  mount(main,
    h('h1', { text: t('site.alerts.title') }),
    filterForm,
    h('p', { role: 'status', text: t('site.alerts.count', { count: alerts.length }) }),
    h('ol', { class: 'alert-list' }, ...alerts.map((alert) => h('li', {}, alertCard(alert, reload)))));
}

function select(name, values, current, label) {
  const control = h('select', { name }, ...values.map((value) => h('option', { value, text: label(value) })));
  control.value = current;
  return control;
}

function alertCard(alert, reload) {
  return h('article', { class: `alert-card severity-${alert.severity}`, 'aria-labelledby': `alert-${alert.id}` },
    h('h2', { id: `alert-${alert.id}` },
      h('span', { class: `severity-badge severity-${alert.severity}`, text: `${t(`site.severity_symbol.${alert.severity}`)} ${t(`site.severity.${alert.severity}`)}` }),
      ' ',
      h('a', { href: `#participant/${alert.participant_id}`, text: alert.study_id ?? alert.participant_id }),
      ' — ', alert.title ?? alert.rule_id),
    h('dl', { class: 'facts' },
      fact(t('site.alerts.rule'), `${alert.rule_id}${alert.source ? ` (${alert.source})` : ''}`),
      fact(t('site.alerts.opened_at'), formatDateTime(alert.opened_at)),
      fact(t('site.alerts.status'), t(`site.alert_status.${alert.status}`)),
      alert.acknowledged_at ? fact(t('site.alerts.acknowledged'), `${formatDateTime(alert.acknowledged_at)}${alert.acknowledge_note ? ` — ${alert.acknowledge_note}` : ''}`) : null,
      alert.resolved_at ? fact(t('site.alerts.resolved'), `${formatDateTime(alert.resolved_at)} — ${alert.resolution_note ?? ''}`) : null),
    h('h3', { text: t('site.alerts.evidence') }),
    renderValue(alert.evidence, (text) => formatDateTime(text)),
    h('h3', { text: t('site.alerts.advice_shown') }),
    ...(alert.advice_shown?.length ? renderAdvice(alert.advice_shown) : [h('p', { text: '—' })]),
    alert.status === 'resolved' ? null : actionForms(alert, reload));
}

function fact(term, value) {
  return h('div', {}, h('dt', { text: term }), h('dd', { text: value }));
}

function actionForms(alert, reload) {
  const forms = h('div', { class: 'alert-actions' });
  if (alert.status === 'open') {
    forms.append(noteForm(alert, 'acknowledge', false, reload));
  }
  forms.append(noteForm(alert, 'resolve', true, reload));
  return forms;
}

function noteForm(alert, action, noteRequired, reload) {
  const form = h('form', { id: `${action}-${alert.id}`, class: 'note-form', novalidate: true },
    field(t(`site.alerts.${action}_note`), h('textarea', { name: 'note', rows: 2, required: noteRequired })),
    h('button', { type: 'submit', class: action === 'resolve' ? 'button-primary' : 'button-secondary', text: t(`site.alerts.${action}`) }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const note = form.elements.note.value.trim();
    if (noteRequired && !note) return showErrors(form, null, { note: t('validation.required') });
    try {
      await call('POST', `/alerts/${alert.id}/${action}`, note ? { note } : {});
      await reload();
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}
