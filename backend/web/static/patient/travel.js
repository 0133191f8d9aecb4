/**
 * The travel prompt on Today: the phone is in another time zone than the diary. One question,
 * asked once per change of zone: keep the dose time on home time ("08:00 at home is 02:00
 * here"), or move it to the local clock from tomorrow. The server keeps 12 hours between the last
 * dose at home and the first one on the new clock; the calendar shows when that first dose is due.
 * @module patient/travel
 */
import { h } from '../common/dom.js';
import { t, formatDate, formatTime } from '../common/i18n.js';
import { describeError } from '../common/forms.js';
import { call } from './api.js';

/**
 * The prompt card, or null when there is nothing to ask.
 * @param {?{device_timezone: string, timezone: string, dose_time: string, dose_time_here: string, effective_date: string}} prompt
 * @param {function(string): void} onDone re-renders Today with a status message
 * @returns {?HTMLElement}
 */
export function renderTravelPrompt(prompt, onDone) {
  if (!prompt) return null;
  const values = {
    zone: prompt.device_timezone,
    home: prompt.timezone,
    time: prompt.dose_time,
    here: prompt.dose_time_here,
    date: formatDate(prompt.effective_date, { weekday: 'long', day: 'numeric', month: 'long' }),
  };
  const status = h('p', { role: 'status' });
  const choose = (policy) => async () => {
    status.textContent = '';
    try {
      await call('POST', '/api/v1/me/timezone', { policy, device_timezone: prompt.device_timezone });
      onDone(t(`travel.saved_${policy}`, values));
    } catch (error) {
      status.textContent = describeError(error);
      status.className = 'form-error';
    }
  };
  const button = (policy, css) => {
    const element = h('button', { type: 'button', class: css, text: t(`travel.${policy}`, values) });
    element.addEventListener('click', choose(policy));
    return element;
  };
  return h('section', { class: 'travel-prompt', 'aria-labelledby': 'travel-heading' },
    h('h2', { id: 'travel-heading', text: t('travel.title') }),
    h('p', { text: t('travel.body', values) }),
    h('div', { class: 'travel-choices' }, button('home', 'button-primary'), button('local', 'button-secondary')),
    h('p', { class: 'hint', text: t('travel.safety') }),
    status);
}

/**
 * On the first day after a change of time zone: when today's dose is due, if the 12-hour rule
 * moved it off the usual time. Null otherwise.
 * @param {{dose_time_moved?: boolean, dose_due_at?: ?string}} day
 * @returns {?HTMLElement}
 */
export function renderMovedDose(day) {
  if (!day.dose_time_moved || !day.dose_due_at) return null;
  return h('p', { class: 'dose-moved', role: 'note', text: t('travel.moved_today', { time: formatTime(day.dose_due_at) }) });
}
