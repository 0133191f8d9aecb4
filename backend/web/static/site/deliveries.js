/**
 * The delivery ledger in the site's words: what happened to every notice of an alert (an e-mail
 * per address, a push per staff device) and to every reminder of a participant. States and
 * failure reasons come from the API as codes (state, outcome, status code) and are read out here
 * in the reader's language; the server's technical error text and every id stay behind
 * "Details". Times are shown in a named zone (the site's for alerts, the participant's for
 * reminders), with seconds: delivery is measured in seconds.
 * @module site/deliveries
 */
import { h } from '../common/dom.js';
import { t, formatDateTime, currentLanguage } from '../common/i18n.js';
import { call } from './api.js';

const RAW_ID = /^[0-9a-f]{32}$/;
const sitesById = new Map();

/**
 * The time zone of a site the caller may see (GET /sites, read once per page load).
 * @param {string} siteId
 * @returns {Promise<?string>}
 */
export async function siteTimezone(siteId) {
  if (!sitesById.size) (await call('GET', '/sites')).forEach((site) => sitesById.set(site.id, site));
  return sitesById.get(siteId)?.timezone ?? null;
}

/**
 * An instant as date and time (with seconds) in `zone`.
 * @param {string} iso
 * @param {?string} zone IANA zone; the browser's when null
 * @returns {string}
 */
export function zoned(iso, zone) {
  return formatDateTime(iso, { dateStyle: 'medium', timeStyle: 'medium', ...(zone ? { timeZone: zone } : {}) });
}

/**
 * A staff device in words from its browser's user agent: "Chrome on Android", else "a phone".
 * @param {?string} agent
 * @returns {string}
 */
export function deviceName(agent) {
  if (!agent) return t('site.deliveries.device_unknown');
  const system = [['Android', /Android/], ['iPhone', /iPhone|iPad|iOS/], ['Windows', /Windows/], ['macOS', /Mac OS X|Macintosh/], ['Linux', /Linux/]]
    .find(([, pattern]) => pattern.test(agent))?.[0];
  const browser = [['Edge', /Edg\//], ['Firefox', /Firefox\//], ['Chrome', /Chrome\/|CriOS\//], ['Safari', /Safari\//]]
    .find(([, pattern]) => pattern.test(agent))?.[0];
  if (browser && system) return t('site.deliveries.device', { browser, system });
  return browser ?? system ?? t('site.deliveries.device_unknown');
}

/**
 * Why an attempt did not deliver, in words, from its outcome and status code.
 * @param {string} channel "email" or "webpush"
 * @param {{outcome: string, status_code: ?number}} attempt
 * @returns {string}
 */
export function failureReason(channel, attempt) {
  const code = attempt.status_code;
  let key;
  if (attempt.outcome === 'config_error') key = 'not_configured';
  else if (attempt.outcome === 'refused') key = 'refused_address';
  else if (attempt.outcome === 'gone' || code === 404 || code === 410) key = 'subscription_ended';
  else if (code === null || code === undefined) key = 'no_answer';
  else if (channel === 'email') key = code >= 500 ? 'mail_refused' : 'mail_deferred';
  else if (code === 429) key = 'push_busy';
  else key = code >= 500 ? 'push_unavailable' : 'push_refused';
  const words = t(`site.deliveries.reason.${key}`);
  if (code === null || code === undefined) return words;
  return t(channel === 'email' ? 'site.deliveries.reason.with_smtp_code' : 'site.deliveries.reason.with_http_code', { reason: words, code });
}

const dayIn = (iso, zone) => formatDateTime(iso, { dateStyle: 'medium', ...(zone ? { timeZone: zone } : {}) });

/**
 * An event line: its time with seconds, and its date too when the day differs from the line
 * before (so a notice's story reads "Nov 24, 2026, 6:00:01 AM Queued", "6:00:32 AM Sent").
 */
function event(at, text, zone, extraClass, previous) {
  let when = '—';
  if (at) {
    when = previous && dayIn(previous, zone) === dayIn(at, zone)
      ? formatDateTime(at, { timeStyle: 'medium', ...(zone ? { timeZone: zone } : {}) })
      : zoned(at, zone);
  }
  return h('li', { class: extraClass }, h('span', { class: 'event-time', text: when }), ' ', h('span', { text }));
}

/**
 * What happened to one notice, oldest first: queued, each attempt and its outcome, the next try,
 * given up or dropped, shown and opened on the phone.
 * @param {Object} notice from the ledger
 * @param {?string} zone
 * @returns {HTMLElement}
 */
export function noticeEvents(notice, zone) {
  const lines = [[notice.queued_at, t('site.deliveries.event.queued')]];
  const many = notice.history.length > 1;
  notice.history.forEach((attempt, index) => {
    const prefix = many ? t('site.deliveries.event.attempt', { number: attempt.attempt ?? index + 1 }) : '';
    const at = attempt.finished_at ?? attempt.started_at;
    let text;
    if (attempt.outcome === 'sent') text = t('site.deliveries.event.sent');
    else if (attempt.outcome === 'started' && !attempt.finished_at) text = t('site.deliveries.event.unknown');
    else if (attempt.outcome === 'retry') text = t('site.deliveries.event.failed_retry', { reason: failureReason(notice.channel, attempt) });
    else text = t('site.deliveries.event.failed', { reason: failureReason(notice.channel, attempt) });
    lines.push([at, `${prefix}${text}`, attempt.outcome === 'sent' ? 'event-ok' : 'event-problem']);
  });
  const last = notice.history.at(-1)?.finished_at ?? null;
  if (notice.next_attempt_at && notice.state !== 'sent') lines.push([notice.next_attempt_at, t('site.deliveries.event.next_try')]);
  if (notice.state === 'given_up') lines.push([last, t('site.deliveries.event.given_up', { count: notice.attempts }), 'event-problem']);
  if (notice.state === 'dropped') lines.push([last ?? notice.due_at, t('site.deliveries.event.dropped'), 'event-problem']);
  if (notice.shown_at) lines.push([notice.shown_at, t('site.deliveries.event.shown'), 'event-ok']);
  if (notice.clicked_at) lines.push([notice.clicked_at, t('site.deliveries.event.opened'), 'event-ok']);
  return h('ol', { class: 'delivery-events' },
    ...lines.map(([at, text, extraClass], index) => event(at, text, zone, extraClass, index ? lines[index - 1][0] : null)));
}

/**
 * A notice's state as a badge: a symbol and a word (never colour alone).
 * @param {string} state
 * @returns {HTMLElement}
 */
export function stateBadge(state) {
  const tone = { sent: 'ok', opened: 'ok', retrying: 'warn', queued: 'wait', claimed: 'wait', sending: 'wait', planned: 'wait', skipped: 'quiet' }[state] ?? 'bad';
  const symbol = { ok: '✓', warn: '↻', wait: '…', quiet: '–', bad: '✕' }[tone];
  return h('span', { class: `delivery-state tone-${tone}`, 'data-state': state, text: `${symbol} ${t(`site.deliveries.state.${state}`)}` });
}

function recipient(notice) {
  if (notice.channel === 'email') return t('site.deliveries.email_to', { address: notice.recipient });
  const name = RAW_ID.test(notice.recipient) ? t('site.deliveries.someone') : notice.recipient;
  return t('site.deliveries.push_to', { name, device: deviceName(notice.device) });
}

function noticeDetails(notice) {
  const errors = notice.history.filter((attempt) => attempt.error).map((attempt) => attempt.error);
  return h('details', { class: 'notice-details' },
    h('summary', { text: t('site.deliveries.details') }),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', { text: t('site.deliveries.notice_id') }), h('dd', { text: notice.id })),
      notice.device ? h('div', {}, h('dt', { text: t('site.deliveries.device_agent') }), h('dd', { text: notice.device })) : null,
      errors.length || notice.last_error
        ? h('div', {}, h('dt', { text: t('site.deliveries.server_text') }), h('dd', { text: [...new Set([...errors, notice.last_error].filter(Boolean))].join(' · ') }))
        : null));
}

/**
 * An alert's notices as a table: who it went to, its state, what happened when, and details.
 * @param {Object} ledger from GET /alerts/{id}/deliveries
 * @param {?string} zone the site's time zone
 * @returns {HTMLElement}
 */
export function renderAlertLedger(ledger, zone) {
  const zoneNote = h('p', { class: 'hint', text: t('site.deliveries.zone_site', { zone: zone ?? '—' }) });
  if (!ledger.notices.length) return h('div', {}, h('p', { text: t('site.deliveries.none') }));
  const counts = {};
  ledger.notices.forEach((notice) => { counts[notice.state] = (counts[notice.state] ?? 0) + 1; });
  // states mid-sentence: "2 sent, 1 opened" (lower case; Chinese has none)
  const summary = Object.entries(counts).map(([state, count]) => t('site.deliveries.count_state', { count, state: t(`site.deliveries.state.${state}`).toLocaleLowerCase(currentLanguage()) })).join(t('list.separator'));
  return h('div', { class: 'delivery-ledger' },
    h('p', { role: 'status', text: t('site.deliveries.summary', { count: ledger.notices.length, states: summary }) }),
    zoneNote,
    h('div', { class: 'table-scroll' }, h('table', { class: 'deliveries' },
      h('thead', {}, h('tr', {}, ...['notice', 'state', 'events', 'details'].map((key) => h('th', { scope: 'col', text: t(`site.deliveries.col.${key}`) })))),
      h('tbody', {}, ...ledger.notices.map((notice) => h('tr', { 'data-channel': notice.channel, 'data-state': notice.state },
        h('td', {},
          h('span', { class: 'notice-recipient', text: recipient(notice) }),
          notice.kind === 'escalation' ? h('span', { class: 'notice-kind', text: t('site.deliveries.kind_escalation') }) : null),
        h('td', {}, stateBadge(notice.state)),
        h('td', {}, noticeEvents(notice, zone)),
        h('td', {}, noticeDetails(notice))))))));
}

/**
 * The delivery section of one alert: loads the ledger and the site's zone.
 * @param {Object} alert from GET /alerts/{id}
 * @returns {Promise<HTMLElement>}
 */
export async function alertDeliveries(alert) {
  const [ledger, zone] = await Promise.all([call('GET', `/alerts/${alert.id}/deliveries`), siteTimezone(alert.site_id)]);
  return renderAlertLedger(ledger, zone);
}
