/**
 * A participant's audit trail as a readable, filterable table: times to the minute (never
 * microseconds), who acted by name (the API's actor_name: "Jane Doe (coordinator)", "01-002
 * (phone)"), the action in words, the reason, and the old and new values behind "show" with
 * their keys in words and instants formatted. Words are never broken mid-word.
 * @module site/audit
 */
import { h } from '../common/dom.js';
import { t, formatDateTime } from '../common/i18n.js';
import { field } from '../common/forms.js';
import { renderValue } from './values.js';

/**
 * "dose_log.site_entry" -> "dose log · site entry".
 * @param {string} key
 * @returns {string}
 */
export function words(key) {
  return String(key).replace(/\./g, ' · ').replace(/_/g, ' ');
}

function readable(value) {
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [words(key), readable(item)]));
  return value;
}

function row(event) {
  const actor = event.actor_name || event.actor_label || event.actor_type;
  const action = words(event.action);
  return h('tr', { 'data-search': `${actor} ${action} ${event.reason ?? ''}`.toLowerCase() },
    h('td', { class: 'nowrap', text: formatDateTime(event.server_time) }),
    h('td', { text: actor }),
    h('td', { text: action }),
    h('td', { text: event.reason || '—' }),
    h('td', {}, event.before || event.after
      ? h('details', {}, h('summary', { text: t('site.audit.show') }),
        h('p', { text: t('site.audit.before') }), renderValue(readable(event.before), formatDateTime),
        h('p', { text: t('site.audit.after') }), renderValue(readable(event.after), formatDateTime))
      : '—'));
}

/**
 * The audit section: a filter box (who, what, why) over the table, newest last.
 * @param {Object[]} events from GET /participants/{id}/audit
 * @returns {HTMLElement}
 */
export function renderAudit(events) {
  if (!events.length) return h('p', { text: '—' });
  const rows = events.map(row);
  const filter = h('input', { type: 'search', name: 'audit-filter', autocomplete: 'off' });
  filter.addEventListener('input', () => {
    const needle = filter.value.trim().toLowerCase();
    rows.forEach((each) => { each.hidden = Boolean(needle) && !each.dataset.search.includes(needle); });
  });
  return h('div', {},
    field(t('site.audit.filter'), filter),
    h('div', { class: 'table-scroll' }, h('table', { class: 'audit' },
      h('thead', {}, h('tr', {}, ...['time', 'actor', 'action', 'reason', 'change'].map((key) => h('th', { scope: 'col', text: t(`site.audit.${key}`) })))),
      h('tbody', {}, ...rows))));
}
