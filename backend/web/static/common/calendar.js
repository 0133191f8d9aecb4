/**
 * The cycle calendar: a week grid of days from the calendar endpoints, each day marked by
 * colour, a symbol and a full text label (never colour alone), with a legend.
 * @module common/calendar
 */
import { h } from './dom.js';
import { t, formatDate, formatTime } from './i18n.js';

const RECORDED = ['taken', 'not_taken', 'not_reported', 'confirmed_late'];

/**
 * Whether a day or dose log carries the `late` flag (`flags: ["late"]`, or `late: true`).
 * @param {Object} record
 * @returns {boolean}
 */
export function isLate(record) {
  return Boolean(record?.late || (Array.isArray(record?.flags) && record.flags.includes('late')));
}

/**
 * The marker for a day: what is shown (status once recorded, else the phase).
 * @param {{phase: string, status: string}} day
 * @returns {string} one of taken, not_taken, not_reported, confirmed_late, pending, before, break,
 *   hold, awaiting_cycle, off_treatment, wait_for_team
 */
export function dayMarker(day) {
  if (RECORDED.includes(day.status)) return day.status;
  if (day.before_treatment) return 'before';
  // a dosing day on which the patient was told not to take anlotinib until the study team
  // decided (a confirmed high blood pressure); other days keep their phase's marker
  if (day.phase === 'dosing') return day.wait_for_team ? 'wait_for_team' : 'pending';
  return day.phase;
}

/**
 * Mark the days before treatment began: the API calls them `awaiting_cycle` (no cycle yet),
 * which must not read as "cycle not confirmed" on days before C1D1.
 * @param {Object[]} days in date order
 * @param {?string} start C1D1 "YYYY-MM-DD" when known; else the first day with a cycle
 * @returns {Object[]}
 */
function markBeforeTreatment(days, start) {
  const first = start ?? days.find((day) => day.cycle)?.date;
  return days.map((day) => (first && day.date < first && !day.cycle && day.phase === 'awaiting_cycle' ? { ...day, before_treatment: true } : day));
}

function dayLabel(day) {
  const parts = [formatDate(day.date, { weekday: 'long', day: 'numeric', month: 'long' })];
  // A day awaiting its cycle's confirmation has a (planned) cycle but no cycle day yet.
  if (day.cycle && day.cycle_day) parts.push(t('calendar.cycle_day', { cycle: day.cycle, day: day.cycle_day }));
  else if (day.cycle) parts.push(t('calendar.cycle', { cycle: day.cycle }));
  parts.push(day.before_treatment ? t('phase.before') : t(`phase.${day.phase}`));
  if (day.wait_for_team) parts.push(t('calendar.wait_for_team'));
  // a change of time zone moved the dose to keep 12 hours from the previous one (issue 20)
  if (day.dose_time_moved && day.dose_due_at) parts.push(t('calendar.dose_moved', { time: formatTime(day.dose_due_at) }));
  if (RECORDED.includes(day.status)) parts.push(t(`status.${day.status}`));
  // a logged day the site confirmed late still says so (the patient was not told in time)
  if (day.confirmed_late && day.status !== 'confirmed_late') parts.push(t('status.confirmed_late'));
  if (isLate(day)) parts.push(t('status.late'));
  return parts.join(', ');
}

/**
 * Render calendar days as a Monday-first grid with a legend.
 * @param {Object[]} allDays `{date, cycle, cycle_day, phase, expected_dose_mg, status}` in date order
 * @param {{today: string, start?: ?string, onSelect?: function(Object): void, canSelect?: function(Object): boolean}} options
 *   start: C1D1, when known (days before it are "before treatment"); onSelect makes selectable
 *   days buttons
 * @returns {HTMLElement}
 */
export function renderCalendar(allDays, { today, start = null, onSelect, canSelect = () => true }) {
  const days = markBeforeTreatment(allDays, start);
  const grid = h('div', { class: 'calendar-grid' });
  for (let i = 1; i <= 7; i += 1) {
    // 2024-01-01 was a Monday: weekday names in the current language without a hard-coded list.
    grid.append(h('span', { class: 'calendar-weekday', 'aria-hidden': 'true', text: formatDate(`2024-01-0${i}`, { weekday: 'narrow' }) }));
  }
  if (days.length) {
    const [year, month, date] = days[0].date.split('-').map(Number);
    const blanks = (new Date(year, month - 1, date).getDay() + 6) % 7;
    for (let i = 0; i < blanks; i += 1) grid.append(h('span', { class: 'calendar-blank', 'aria-hidden': 'true' }));
  }
  for (const day of days) {
    const marker = dayMarker(day);
    const selectable = onSelect && canSelect(day);
    const cell = h(
      selectable ? 'button' : 'div',
      {
        class: `calendar-day marker-${marker}${day.date === today ? ' is-today' : ''}${isLate(day) ? ' is-late' : ''}`,
        type: selectable ? 'button' : null,
        role: selectable ? null : 'img',
        'aria-label': dayLabel(day),
        'aria-current': day.date === today ? 'date' : null,
        onclick: selectable ? () => onSelect(day) : null,
      },
      h('span', { class: 'calendar-date', 'aria-hidden': 'true', text: Number(day.date.slice(8)) }),
      h('span', { class: 'calendar-symbol', 'aria-hidden': 'true', text: t(`symbol.${marker}`) }),
      isLate(day) ? h('span', { class: 'calendar-late', 'aria-hidden': 'true', text: t('symbol.late') }) : null,
    );
    grid.append(cell);
  }
  return h('div', { class: 'calendar' }, grid, renderLegend());
}

function renderLegend() {
  const markers = ['taken', 'not_taken', 'not_reported', 'confirmed_late', 'pending', 'break', 'hold', 'wait_for_team', 'awaiting_cycle', 'off_treatment'];
  return h(
    'dl',
    { class: 'calendar-legend' },
    ...markers.map((marker) =>
      h('div', { class: 'legend-item' },
        h('dt', { class: `legend-swatch marker-${marker}`, text: t(`symbol.${marker}`) }),
        h('dd', { text: t(`legend.${marker}`) })),
    ),
    h('div', { class: 'legend-item' },
      h('dt', { class: 'legend-swatch is-late', text: t('symbol.late') }),
      h('dd', { text: t('status.late') })),
  );
}
