/**
 * The cycle calendar: four weeks back and two ahead, with earlier/later paging. A recent past
 * day (within the patient's 72-hour entry limit) opens its dose entry.
 * @module patient/screens/calendar
 */
import { h, mount } from '../../common/dom.js';
import { t, formatDate } from '../../common/i18n.js';
import { renderCalendar } from '../../common/calendar.js';
import { isoDate, addDays } from '../../common/dates.js';
import { calendarDays } from './today.js';

const PATIENT_ENTRY_DAYS = 3;

/**
 * Render the calendar screen.
 * @param {{main: HTMLElement}} context
 * @param {string} [end] last date shown, "YYYY-MM-DD" (default: two weeks from today)
 * @returns {Promise<void>}
 */
export async function showCalendar(context, end) {
  const today = isoDate();
  const to = end || addDays(today, 14);
  const from = addDays(to, -41);
  const days = await calendarDays(from, to);
  const selectable = (day) => day.date <= today && day.date >= addDays(today, -PATIENT_ENTRY_DAYS);
  mount(context.main,
    h('h1', { text: t('calendar.title') }),
    h('p', { text: t('calendar.range', { from: formatDate(from), to: formatDate(to) }) }),
    h('p', { class: 'hint', text: t('calendar.hint') }),
    renderCalendar(days, {
      today,
      canSelect: selectable,
      onSelect: (day) => {
        location.hash = day.date === today ? '#today' : `#day/${day.date}`;
      },
    }),
    h('div', { class: 'pager' },
      h('a', { class: 'button-link', href: `#calendar/${addDays(to, -42)}`, text: t('calendar.earlier') }),
      h('a', { class: 'button-link', href: `#calendar/${addDays(to, 42)}`, text: t('calendar.later') })));
}
