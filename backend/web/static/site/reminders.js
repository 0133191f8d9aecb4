/**
 * A participant's reminders on their page: every planned dose and BP reminder and what became
 * of it (planned, queued, sent, opened, skipped and why, dropped after its cut-off, failed and
 * why), most recent first, two weeks at a time ("Show two earlier weeks" reaches back to C1D1).
 * Times are in the participant's zone (the zone their reminders are planned in), labelled so.
 * Read-only: every staff role that may see the participant may read it.
 * @module site/reminders
 */
import { h } from '../common/dom.js';
import { t, formatDate, formatDateTime, hasText } from '../common/i18n.js';
import { describeError } from '../common/forms.js';
import { addDays } from '../common/dates.js';
import { call } from './api.js';
import { failureReason, stateBadge, zoned } from './deliveries.js';

export const WINDOW_DAYS = 14;

// The server's reasons (services/reminders.py, scheduler_jobs.py, ledger.py) -> catalogue keys.
const REASONS = {
  'day logged': 'day_logged',
  'no longer in the calendar': 'not_in_calendar',
  'no push subscription': 'no_subscription',
  'expired before it could be sent': 'expired',
  'past the make-up cut-off': 'expired',
  "the participant's calendar could not be worked out": 'no_calendar',
};

/**
 * Today's date in `zone` ("YYYY-MM-DD"), from the page's clock.
 * @param {string} zone
 * @returns {string}
 */
export function todayIn(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function reminderName(reminder) {
  const follow = reminder.sequence > 0 ? '_followup' : '';
  return t(`site.reminders.kind.${reminder.kind}${follow}`);
}

/**
 * Why a reminder was skipped, dropped or failed, in words (null when there is nothing to say).
 * @param {Object} reminder
 * @returns {?string}
 */
export function reminderReason(reminder) {
  if (reminder.state === 'failed') {
    const attempts = reminder.notices.flatMap((notice) => notice.history.filter((a) => a.outcome !== 'sent' && a.outcome !== 'started').map((a) => failureReason(notice.channel, a)));
    if (reminder.notices.some((notice) => notice.state === 'dropped')) attempts.push(t('site.reminders.reason.subscription_disabled'));
    return attempts.length ? [...new Set(attempts)].join(t('list.separator')) : t('site.reminders.reason.unknown');
  }
  if (!reminder.reason) return null;
  const key = REASONS[reminder.reason];
  return key && hasText(`site.reminders.reason.${key}`) ? t(`site.reminders.reason.${key}`) : reminder.reason;
}

function whatHappened(reminder, zone) {
  const lines = [];
  reminder.notices.forEach((notice) => {
    if (notice.sent_at) lines.push(t('site.reminders.sent_at', { time: zoned(notice.sent_at, zone) }));
    if (notice.clicked_at) lines.push(t('site.reminders.opened_at', { time: zoned(notice.clicked_at, zone) }));
    else if (notice.shown_at) lines.push(t('site.reminders.shown_at', { time: zoned(notice.shown_at, zone) }));
  });
  const reason = reminderReason(reminder);
  if (reason) lines.push(reason);
  if (reminder.state === 'dropped') lines.push(t('site.reminders.cut_off', { time: zoned(reminder.expires_at, zone) }));
  return lines.length ? h('ul', { class: 'reminder-lines' }, ...lines.map((line) => h('li', { text: line }))) : '—';
}

function row(reminder, zone) {
  return h('tr', { 'data-state': reminder.state, 'data-kind': reminder.kind },
    h('td', { class: 'nowrap', text: formatDate(reminder.local_date) }),
    h('td', { text: reminderName(reminder) }),
    h('td', { class: 'nowrap', text: formatDateTime(reminder.due_at, { timeStyle: 'short', timeZone: zone }) }),
    h('td', {}, stateBadge(reminder.state)),
    h('td', {}, whatHappened(reminder, zone)));
}

/**
 * The reminders section of the participant page.
 * @param {Object} participant from GET /participants/{id}
 * @returns {Promise<HTMLElement>}
 */
export async function renderReminders(participant) {
  const zone = participant.timezone;
  const tbody = h('tbody', {});
  const status = h('p', { role: 'status' });
  const more = h('button', { type: 'button', class: 'button-secondary', text: t('site.reminders.earlier', { days: WINDOW_DAYS }) });
  const table = h('div', { class: 'table-scroll' }, h('table', { class: 'reminders' },
    h('thead', {}, h('tr', {}, ...['date', 'reminder', 'due', 'state', 'what'].map((key) => h('th', { scope: 'col', text: t(`site.reminders.col.${key}`) })))),
    tbody));
  const last = addDays(todayIn(zone), 1);
  let to = last;
  let shown = 0;
  const load = async () => {
    const from = addDays(to, -(WINDOW_DAYS - 1));
    more.disabled = true;
    try {
      const answer = await call('GET', `/participants/${participant.id}/reminders?from=${from}&to=${to}`);
      const ordered = [...answer.reminders].sort((a, b) => Date.parse(b.due_at) - Date.parse(a.due_at) || b.sequence - a.sequence);
      tbody.append(...ordered.map((reminder) => row(reminder, zone)));
      shown += ordered.length;
      to = addDays(from, -1);
      const range = { from: formatDate(from, { dateStyle: 'medium' }), to: formatDate(last, { dateStyle: 'medium' }) };
      status.textContent = shown ? t('site.reminders.range', { count: shown, ...range }) : t('site.reminders.none', range);
      table.hidden = !shown;
      more.hidden = from <= participant.c1d1;
    } catch (error) {
      status.textContent = describeError(error);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  await load();
  return h('div', { class: 'reminders-ledger' }, h('p', { class: 'hint', text: t('site.reminders.zone', { zone }) }), status, table, more);
}
