/**
 * The treatment timeline as an adherence heatmap: one row per cycle (C1, C2, …), one cell per
 * cycle day, so the 14-on/7-off pattern, holds, dose changes and late starts line up across
 * cycles. Each cell carries the day's status as a symbol and a colour (never colour alone), and
 * links to that day's page; a dose change is marked where it takes effect; days after the
 * cycle's last day until the next cycle starts (a delay) follow as +1, +2….
 * @module site/timeline
 */
import { h } from '../common/dom.js';
import { t, formatDate } from '../common/i18n.js';
import { dayMarker } from '../common/calendar.js';
import { dayLink } from './route.js';
import { isoDate } from '../common/dates.js';

/**
 * @param {Object[]} days calendar days from the API (`cycle`, `cycle_day`, `phase`, `status`, `expected_dose_mg`)
 * @param {string} participantId
 * @returns {HTMLElement}
 */
export function renderTimeline(days, participantId) {
  const cycles = new Map();
  let length = 0;
  let previousDose = null;
  const today = isoDate();
  for (const day of days) {
    // a day past the cycle's length is a delay once it has come, not a planned one
    if (!day.cycle || (day.cycle_day == null && day.date > today)) continue;
    if (!cycles.has(day.cycle)) cycles.set(day.cycle, []);
    const doseChanged = day.expected_dose_mg && previousDose !== null && day.expected_dose_mg !== previousDose;
    if (day.expected_dose_mg) previousDose = day.expected_dose_mg;
    cycles.get(day.cycle).push({ ...day, doseChanged });
    length = Math.max(length, day.cycle_day ?? 0);
  }
  if (!cycles.size) return h('p', { text: '—' });
  // Days past the cycle's length before the next cycle was confirmed (a delayed start, or one
  // still awaited): columns +1, +2… after the last cycle day, so a delay lines up across cycles.
  const cycleLength = length;
  for (const cells of cycles.values()) {
    cells.filter((cell) => cell.cycle_day == null).forEach((cell, index) => {
      cell.column = cycleLength + index + 1;
      cell.delayDay = index + 1;
    });
    cells.forEach((cell) => { cell.column ??= cell.cycle_day; });
    length = Math.max(length, ...cells.map((cell) => cell.column));
  }
  const header = h('tr', {}, h('th', { scope: 'col', text: t('site.timeline.cycle') }),
    ...Array.from({ length }, (_, i) => h('th', { scope: 'col', class: 'timeline-day', text: i < cycleLength ? String(i + 1) : `+${i - cycleLength + 1}` })));
  const rows = [...cycles.entries()].map(([number, cells]) => h('tr', {},
    h('th', { scope: 'row', text: `C${number}` }),
    ...Array.from({ length }, (_, i) => {
      const day = cells.find((cell) => cell.column === i + 1);
      if (!day) return h('td', { class: 'timeline-cell empty' });
      const marker = dayMarker(day);
      const label = `${formatDate(day.date)}: ${t(`legend.${marker}`)}${day.delayDay ? ` — ${t('site.timeline.delay_day', { day: day.delayDay, cycle: number + 1 })}` : ''}${day.doseChanged ? ` — ${t('site.timeline.dose_change', { dose: day.expected_dose_mg })}` : ''}`;
      return h('td', { class: `timeline-cell marker-${marker}${day.doseChanged ? ' dose-changed' : ''}${day.delayDay ? ' delay' : ''}` },
        h('a', { href: dayLink(participantId, day.date), 'aria-label': label, title: label, text: t(`symbol.${marker}`) || '·' }));
    })));
  const delayed = length > cycleLength;
  return h('div', {},
    h('div', { class: 'table-scroll' }, h('table', { class: 'timeline-heatmap' }, h('thead', {}, header), h('tbody', {}, ...rows))),
    delayed ? h('p', { class: 'hint timeline-delay-note', text: t('site.timeline.delay_note', { days: cycleLength }) }) : null);
}
