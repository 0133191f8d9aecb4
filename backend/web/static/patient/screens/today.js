/**
 * The "today" screen (also any recent day, from the calendar): what today is in plain words,
 * the server's advice, and the one big answer: taken or not taken.
 * @module patient/screens/today
 */
import { h, mount } from '../../common/dom.js';
import { t, formatDate, currentLanguage } from '../../common/i18n.js';
import { NetworkError } from '../../common/http.js';
import { renderAdvice } from '../../common/advice.js';
import { isLate } from '../../common/calendar.js';
import { isoDate, addDays } from '../../common/dates.js';
import { get } from '../api.js';
import { getValue, setValue } from '../store.js';
import { pendingEntries } from '../outbox.js';
import { doseForm, doseSummary } from './dose-form.js';
import { renderMovedDose, renderTravelPrompt } from '../travel.js';

/**
 * The calendar endpoint's days: `{from, to, days: [{date, cycle, cycle_day, phase,
 * expected_dose_mg, status, late, dose_log}]}`.
 * @param {string} from "YYYY-MM-DD"
 * @param {string} to "YYYY-MM-DD"
 * @returns {Promise<Object[]>}
 */
export async function calendarDays(from, to) {
  return (await get(`/me/calendar?from=${from}&to=${to}`)).days;
}

// A copy of today kept on the phone is shown at once (then refreshed) only while it is this
// young and the server's `valid_until` (the cut-off, or the end of the day) has not passed.
const FRESH_MS = 5 * 60 * 1000;
let prefetched = null;

function fetchToday(lang) {
  return get(`/me/today?lang=${encodeURIComponent(lang)}`).then(async (today) => {
    const copy = { ...today, lang, fetched_at: Date.now() };
    await setValue('today', copy);
    return copy;
  });
}

/**
 * Start asking for today now (at start-up, in parallel with the catalogue and /me), so the
 * Today screen does not wait one more round trip; `showToday` takes the answer.
 * @param {string} lang the language the instruction is to be in
 */
export function prefetchToday(lang) {
  const promise = fetchToday(lang);
  promise.catch(() => null); // the screen that takes it handles the error
  prefetched = { lang, promise };
}

function takePrefetched(lang) {
  const taken = prefetched?.lang === lang ? prefetched.promise : null;
  prefetched = null;
  return taken;
}

/**
 * The copy of today kept on this phone, when it may be shown as today's while the app asks the
 * server: fetched less than FRESH_MS ago in this language, before its `valid_until`, and no
 * entry made since (an entry can change the instruction). Anything else is not shown online.
 */
function freshCopy(cached, lang) {
  if (!cached || cached.lang !== lang || cached.stale || cached.date !== isoDate()) return null;
  const now = Date.now();
  const age = now - (cached.fetched_at ?? 0);
  if (!(age >= 0 && age < FRESH_MS) || !(now < Date.parse(cached.valid_until))) return null;
  return cached;
}

async function loadToday(promise) {
  try {
    // the instruction comes in the app's language, which the patient may have switched
    return await (promise ?? takePrefetched(currentLanguage()) ?? fetchToday(currentLanguage()));
  } catch (error) {
    const cached = await getValue('today');
    if (error instanceof NetworkError && cached?.date === isoDate()) return { ...cached, offline_copy: true };
    throw error;
  }
}

/** Whether two answers for today say the same (the time they were fetched aside). */
function sameAnswer(a, b) {
  const strip = ({ fetched_at: _f, stale: _s, offline_copy: _o, ...rest }) => JSON.stringify(rest);
  return strip(a) === strip(b);
}

async function loadOtherDay(date) {
  const [day] = await calendarDays(date, date);
  return { ...day, dose_log: day.dose_log ?? null, advice: [], bp_due: false };
}

/** How many dosing days the cycle has, from the calendar; null when it cannot be loaded. */
async function dosingDaysInCycle(day) {
  const start = addDays(day.date, 1 - day.cycle_day);
  try {
    const days = await calendarDays(start, addDays(start, 41));
    const dosing = days.filter((d) => d.cycle === day.cycle && d.phase === 'dosing').map((d) => d.cycle_day);
    return dosing.length ? Math.max(...dosing) : null;
  } catch {
    return null;
  }
}

/**
 * Where the day sits in the cycle, in plain words ("Dosing day 3 of 14, cycle 1"); null when
 * the day belongs to no cycle.
 */
function position(day, total, waiting = false) {
  const values = { cycle: day.cycle, day: day.cycle_day, total };
  if (day.cycle == null || day.cycle_day == null) return null;
  // while waiting for the study team the day is no dosing day for the patient
  if (day.phase === 'dosing' && !waiting) return total ? t('today.dosing', values) : t('today.dosing_no_total', values);
  return t('today.cycle_day', values);
}

/**
 * Today's headline, detail, advice and dose form, all from the server's one instruction
 * (`day.instruction`): they can never contradict each other.
 */
function fromInstruction(day, total) {
  const { instruction } = day;
  return {
    headline: instruction.headline,
    detail: position(day, total, instruction.state === 'wait_for_team'),
    advice: [{ code: instruction.state, level: instruction.level, text: instruction.text, contact: day.contact }],
    form: instruction.dose_form,
    state: instruction.state,
  };
}

/** A past or future day from the calendar (no instruction): what the day was, and its entry. */
function fromCalendar(day, total) {
  const [headline, detail] = statement(day, total);
  const form = day.dose_log ? 'recorded' : day.phase === 'dosing' && !day.wait_for_team ? 'ask' : 'anyway';
  return { headline, detail, advice: day.advice, form, state: day.wait_for_team ? 'wait_for_team' : day.phase };
}

function statement(day, total) {
  if (day.wait_for_team) return [t('today.wait_day'), t('today.wait_day_detail')];
  const values = { cycle: day.cycle, day: day.cycle_day, total, dose: day.expected_dose_mg };
  switch (day.phase) {
    case 'dosing':
      return [total ? t('today.dosing', values) : t('today.dosing_no_total', values), t('today.take_dose', values)];
    case 'break':
      return [t('today.break'), t('today.cycle_day', values)];
    case 'hold':
      return [t('today.hold'), t('today.hold_detail')];
    case 'awaiting_cycle':
      return [t('today.awaiting'), t('today.awaiting_detail')];
    default:
      return [t('today.off'), t('today.off_detail')];
  }
}

/**
 * Render the day screen.
 * @param {{main: HTMLElement}} context
 * @param {string} [date] "YYYY-MM-DD"; today when absent
 * @param {string} [flash] a status message to show at the top (after saving)
 * @returns {Promise<void>}
 */
export async function showToday(context, date, flash) {
  const isToday = !date || date === isoDate();
  if (!isToday) return renderDay(context, await loadOtherDay(date), false, flash);
  const lang = currentLanguage();
  const request = takePrefetched(lang) ?? fetchToday(lang);
  request.catch(() => null);
  const copy = freshCopy(await getValue('today'), lang);
  if (!copy) return renderDay(context, await loadToday(request), true, flash);
  // Shown at once, marked as being updated; replaced as soon as the server answers differently.
  await renderDay(context, { ...copy, updating: true }, true, flash);
  const marker = context.main.querySelector('.updating');
  loadToday(request).then((day) => {
    // Saved or re-rendered meanwhile: that screen is newer. (The view may not be on the page yet
    // when a quick answer comes: the router mounts it once this function has returned.)
    if (!context.main.contains(marker)) return;
    if (day.offline_copy) marker.textContent = t('today.offline_copy'); // no answer: say so
    else if (sameAnswer(day, copy)) marker.remove();
    else renderDay(context, day, true, flash);
  }, () => {
    if (context.main.contains(marker)) marker.textContent = t('today.not_updated');
  });
  return undefined;
}

async function renderDay(context, day, isToday, flash) {
  const total = day.phase !== 'dosing' ? null : day.cycle_dosing_days !== undefined ? day.cycle_dosing_days : await dosingDaysInCycle(day);
  const view = day.instruction ? fromInstruction(day, total) : fromCalendar(day, total);
  const pending = (await pendingEntries()).find((entry) => entry.id === `dose:${day.date}`);
  const longDate = formatDate(day.date, { weekday: 'long', day: 'numeric', month: 'long' });

  const section = h('section', { class: 'dose-section', 'aria-labelledby': 'dose-heading' },
    h('h2', { id: 'dose-heading', text: isToday ? t('dose.heading_today') : t('dose.heading_day') }));
  const rerender = (message) => showToday(context, isToday ? undefined : day.date, message);
  const form = () => doseForm({ day, isToday, existing: Boolean(day.dose_log), prefill: pending?.body ?? day.dose_log, onDone: rerender });

  if (pending) {
    section.append(h('p', { class: 'status-pending', text: t('dose.pending', { summary: doseSummary(pending.body) }) }), form());
  } else if (day.dose_log && view.form === 'recorded') {
    section.append(h('p', { class: 'status-recorded' },
      t('dose.recorded', { summary: doseSummary(day.dose_log) }),
      isLate(day.dose_log) ? h('span', { class: 'badge', text: t('status.late') }) : null));
    section.append(revealButton(t('dose.change'), form));
  } else if (view.form === 'ask') {
    section.append(form());
  } else {
    section.append(revealButton(t('dose.record_anyway'), form));
  }

  mount(context.main,
    h('h1', { text: isToday ? t('today.title', { date: longDate }) : longDate }),
    flash ? h('p', { class: 'flash', role: 'status', text: flash }) : null,
    day.offline_copy ? h('p', { class: 'status-pending', text: t('today.offline_copy') }) : null,
    day.updating ? h('p', { class: 'status-pending updating', role: 'status', text: t('today.updating') }) : null,
    isToday && !day.offline_copy ? renderTravelPrompt(day.travel_prompt, rerender) : null,
    renderMovedDose(day),
    h('div', { class: `day-statement phase-${day.phase} state-${view.state}`, 'data-state': view.state },
      h('p', { class: 'headline', text: view.headline }), view.detail ? h('p', { text: view.detail }) : null),
    ...renderAdvice(view.advice),
    day.bp_due
      ? h('p', { class: 'bp-due' }, h('span', { text: t('today.bp_due') }), ' ', h('a', { class: 'button-link', href: '#bp', text: t('today.bp_go') }))
      : null,
    section);
}

function revealButton(label, makeForm) {
  const button = h('button', { type: 'button', class: 'button-secondary', text: label });
  button.addEventListener('click', () => {
    const form = makeForm();
    button.replaceWith(form);
    form.querySelector('input')?.focus();
  });
  return button;
}
