/**
 * One participant: summary, actions, cycle calendar, adherence, BP trend, symptom timeline and
 * audit trail. Sections load independently, so one failing section does not hide the others.
 * @module site/screens/participant
 */
import { h, mount } from '../../common/dom.js';
import { t, formatDate, formatDateTime } from '../../common/i18n.js';
import { describeError } from '../../common/forms.js';
import { renderCalendar } from '../../common/calendar.js';
import { addDays, isoDate } from '../../common/dates.js';
import { call } from '../api.js';
import { renderBloodPressure } from '../bpchart.js';
import { renderAudit } from '../audit.js';
import { renderTimeline } from '../timeline.js';
import { renderActions } from './participant-actions.js';
import { participantManagement } from '../manage.js';
import { renderSymptomTrends } from '../symptom-trends.js';
import { can } from '../roles.js';
import { participantSignOff } from '../signoff.js';
import { participantQueries } from '../queries.js';
import { renderPillCounts } from '../pill-counts.js';
import { renderReminders } from '../reminders.js';
import { alertLink, dayLink } from '../route.js';

// confirmed_late: dosing days the site confirmed late, unlogged, left out of prescribed and the percentage
const ADHERENCE_COLUMNS = ['prescribed', 'taken', 'not_taken', 'not_reported', 'late', 'deviations', 'confirmed_late', 'percent'];

function section(id, title, loader) {
  const body = h('div', { class: 'section-body' }, h('p', { text: t('site.loading') }));
  loader().then(
    (content) => mount(body, content),
    (error) => mount(body, h('p', { class: 'form-error', text: describeError(error) })),
  );
  return h('section', { 'aria-labelledby': id }, h('h2', { id, text: title }), body);
}

function adherenceTable(adherence) {
  const row = (label, values) => h('tr', { class: values.below_threshold ? 'below-threshold' : null },
    h('th', { scope: 'row', text: label }),
    ...ADHERENCE_COLUMNS.map((key) => h('td', { text: key === 'percent' ? percent(values.percent) : values[key] ?? '—' },
      key === 'percent' && values.below_threshold ? h('strong', { class: 'flag', text: ` ⚠ ${t('site.participants.below')}` }) : null)));
  return h('div', { class: 'table-scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('site.adherence.cycle') }), ...ADHERENCE_COLUMNS.map((key) => h('th', { scope: 'col', text: t(`site.adherence.${key}`) })))),
    h('tbody', {},
      ...adherence.cycles.map((cycle) => row(t('site.adherence.cycle_n', { cycle: cycle.cycle }), cycle)),
      row(t('site.adherence.overall'), adherence.overall))));
}

function percent(value) {
  return value === null || value === undefined ? '—' : `${Math.round(value)} %`;
}

/**
 * One day of the diary (#participant/<id>/day/<date>): its cycle day, phase, status and entry.
 * @param {Object} record a calendar day from the API
 * @returns {HTMLElement}
 */
function dayDetail(record) {
  const log = record.dose_log;
  const rows = [
    [t('site.day.cycle_day'), record.cycle ? (record.cycle_day == null ? t('site.day.cycle_only', { cycle: record.cycle }) : t('site.day.cycle_day_value', { cycle: record.cycle, day: record.cycle_day })) : '—'],
    [t('site.day.phase'), t(`site.phase.${record.phase}`)],
    [t('site.day.status'), t(`site.day_status.${record.status}`)],
    [t('site.day.expected'), record.expected_dose_mg ? `${record.expected_dose_mg} mg` : '—'],
  ];
  if (log) {
    rows.push(
      [t('site.day.taken_at'), log.taken_at ? formatDateTime(log.taken_at) : '—'],
      [t('site.day.source'), `${t(`site.source.${log.source}`)}${log.source_detail ? ` — ${log.source_detail}` : ''}`],
      [t('site.day.entered_at'), formatDateTime(log.entered_at)],
      [t('site.day.flags'), log.flags.length ? log.flags.join(', ') : '—'],
    );
  }
  return h('dl', { class: 'facts day-detail' }, ...rows.map(([term, value]) => h('div', {}, h('dt', { text: term }), h('dd', { text: value }))));
}

/**
 * The participant's alerts, newest first, each linking to its own page.
 * @param {Object[]} alerts
 * @returns {HTMLElement}
 */
function alertSummary(alerts) {
  if (!alerts.length) return h('p', { text: t('site.participant.no_alerts') });
  const ordered = [...alerts].sort((a, b) => Date.parse(b.opened_at) - Date.parse(a.opened_at));
  return h('ul', { class: 'participant-alerts' }, ...ordered.map((alert) => h('li', {},
    h('span', { class: `severity-badge severity-${alert.severity}`, text: t(`site.severity.${alert.severity}`) }), ' ',
    h('a', { href: alertLink(alert.id), text: alert.text.title }),
    ` — ${t(`site.alert_status.${alert.status}`)}, ${formatDateTime(alert.opened_at)}`)));
}

/**
 * Render the participant page (and, with `day`, that day's detail at the top).
 * @param {HTMLElement} main
 * @param {string} participantId
 * @param {?string} [day] YYYY-MM-DD from #participant/<id>/day/<date>
 * @param {string} [flash] a success message from the action that reloaded the page
 * @returns {Promise<void>}
 */
export async function showParticipant(main, participantId, day = null, flash = '') {
  const base = `/participants/${participantId}`;
  const participant = await call('GET', base);
  const today = isoDate();
  let [from, to] = [addDays(today, -41), addDays(today, 14)];
  if (day && day < from) from = day;
  if (day && day > to) to = day;
  const reload = (message) => showParticipant(main, participantId, day, message);
  const actions = renderActions(participant, reload, { day });
  mount(main,
    h('p', {}, h('a', { href: '#participants', text: t('site.back') })),
    h('h1', { text: t('site.participant.title', { study_id: participant.study_id }) }),
    flash ? h('p', { class: 'confirmation', role: 'status', text: flash }) : null,
    h('dl', { class: 'facts' },
      ...[
        ['status', t(`site.participant_status.${participant.status}`)],
        ['c1d1', formatDate(participant.c1d1, { dateStyle: 'medium' })],
        ['timezone', participant.timezone],
        ['timezone_policy', t(`site.travel.${participant.timezone_policy ?? 'home'}`)],
        ['device_timezone', participant.device_timezone ?? '—'],
        ['language', participant.language],
        ['reminder_time', t('site.participant.local_time', { time: participant.reminder_time.slice(0, 5) })],
      ].map(([key, value]) => h('div', {}, h('dt', { text: t(`site.participant.${key}`) }), h('dd', { text: value })))),
    day ? section('day-heading', t('site.day.title', { date: formatDate(day, { dateStyle: 'full' }) }), async () => {
      const { days } = await call('GET', `${base}/calendar?from=${day}&to=${day}`);
      return dayDetail(days[0]);
    }) : null,
    actions ? h('section', { 'aria-labelledby': 'actions-heading' }, h('h2', { id: 'actions-heading', text: t('site.actions') }), actions) : null,
    can('site.enter') ? section('manage-heading', t('site.manage.title'), () => participantManagement(participant)) : null,
    section('alerts-heading', t('site.participant.alerts'), async () => alertSummary(await call('GET', `/alerts?participant_id=${participantId}`))),
    section('reminders-heading', t('site.reminders.title'), () => renderReminders(participant)),
    section('timeline-heading', t('site.timeline.title'), async () => {
      // every cycle since C1D1 (the API serves at most 400 days at once)
      const start = participant.c1d1 > addDays(today, -380) ? participant.c1d1 : addDays(today, -380);
      const { days } = await call('GET', `${base}/calendar?from=${start}&to=${addDays(today, 14)}`);
      return renderTimeline(days, participantId);
    }),
    section('calendar-heading', t('site.calendar'), async () => {
      const { days } = await call('GET', `${base}/calendar?from=${from}&to=${to}`);
      return renderCalendar(days, { today, start: participant.c1d1, onSelect: (selected) => { location.hash = dayLink(participantId, selected.date); } });
    }),
    section('adherence-heading', t('site.adherence.title'), async () => adherenceTable(await call('GET', `${base}/adherence`))),
    section('pills-heading', t('site.pills.title'), () => renderPillCounts(base, reload)),
    section('bp-heading', t('site.bp.title'), async () => renderBloodPressure(await call('GET', `${base}/bp-readings`))),
    section('symptoms-heading', t('site.symptoms.title'), () => renderSymptomTrends(participant)),
    section('signoff-heading', t('site.signoff.participant_title'), () => participantSignOff(participantId)),
    section('queries-heading', t('site.queries.title'), () => participantQueries(participantId)),
    section('audit-heading', t('site.audit.title'), async () => renderAudit(await call('GET', `${base}/audit`))));
  if (day) main.querySelector('#day-heading')?.scrollIntoView();
}
