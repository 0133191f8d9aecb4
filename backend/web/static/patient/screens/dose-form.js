/**
 * The dose entry form: taken or not taken, when, how much, vomited after, or why not; a change
 * to an existing entry asks for the reason for the change (ALCOA+: the old value stays in the
 * audit trail). Sent through the outbox as an idempotent PUT by date.
 * @module patient/screens/dose-form
 */
import { h } from '../../common/dom.js';
import { t, formatTime, formatList } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { atLocalTime, isoInstant, localTime } from '../../common/dates.js';
import { submit } from '../outbox.js';

const MISSED_REASONS = ['forgot', 'side_effects', 'told_by_team', 'no_medicine', 'other'];
// Deviation flags of an intake on a day with nothing to take: "Saved" alone would hide that the
// team will see it and what to do next.
const OFF_DAY_INTAKE = ['break_day_intake', 'hold_intake', 'off_treatment_intake', 'awaiting_cycle_intake', 'wait_for_team_intake'];

/**
 * The status message after a dose entry was sent: an intake on a day with nothing to take says
 * it was recorded for the study team and what to do next.
 * @param {?{flags?: string[]}} saved the stored entry as the server returned it
 * @returns {string}
 */
export function savedMessage(saved) {
  const offDay = (saved?.flags ?? []).some((flag) => OFF_DAY_INTAKE.includes(flag));
  return offDay ? t('dose.saved_for_team') : t('dose.saved');
}

/**
 * One line describing a dose entry (a dose log or a queued PUT body).
 * @param {{taken: boolean, taken_at?: string, dose_mg?: number, vomited_after?: boolean, missed_reason?: string}} entry
 * @returns {string}
 */
export function doseSummary(entry) {
  if (!entry.taken) {
    return entry.missed_reason ? t('dose.summary_not_taken_reason', { reason: t(`missed.${entry.missed_reason}`) }) : t('dose.summary_not_taken');
  }
  const parts = [entry.taken_at ? t('dose.summary_taken_at', { time: formatTime(entry.taken_at) }) : t('dose.summary_taken')];
  if (entry.dose_mg) parts.push(t('dose.summary_dose', { dose: entry.dose_mg }));
  if (entry.vomited_after) parts.push(t('dose.summary_vomited'));
  return formatList(parts);
}

function choice(name, value, label, checked) {
  return h('label', { class: 'choice' }, h('input', { type: 'radio', name, value, checked }), h('span', { text: label }));
}

/**
 * Build the form for one day.
 * @param {{day: Object, isToday: boolean, existing: boolean, prefill: ?Object, onDone: function(string): void}} options
 *   day: `{date, expected_dose_mg, ...}`; prefill: the current entry, if any; onDone: called
 *   with a status message once the entry is sent or queued
 * @returns {HTMLFormElement}
 */
export function doseForm({ day, isToday, existing, prefill, onDone }) {
  const taken = prefill ? prefill.taken : null;
  const time = h('input', {
    type: 'time', name: 'taken_at', required: true,
    value: prefill?.taken_at ? localTime(new Date(prefill.taken_at)) : isToday ? localTime() : '',
  });
  const dose = h('input', { type: 'number', name: 'dose_mg', inputmode: 'decimal', min: 0, step: 'any', value: prefill?.dose_mg ?? day.expected_dose_mg ?? '' });
  const vomited = h('input', { type: 'checkbox', name: 'vomited_after', checked: Boolean(prefill?.vomited_after) });
  const reason = h('select', { name: 'missed_reason' },
    h('option', { value: '', text: t('dose.choose') }),
    ...MISSED_REASONS.map((code) => h('option', { value: code, text: t(`missed.${code}`) })));
  reason.value = prefill?.missed_reason ?? '';
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 500, value: prefill?.note ?? '' });
  const change = existing ? h('textarea', { name: 'reason_for_change', rows: 2, maxlength: 500, required: true }) : null;

  const takenDetails = h('div', { class: 'details', hidden: taken !== true },
    field(t('dose.time'), time),
    field(t('dose.dose_mg'), dose),
    h('label', { class: 'check' }, vomited, h('span', { text: t('dose.vomited') })));
  const missedDetails = h('div', { class: 'details', hidden: taken !== false }, field(t('dose.missed_reason'), reason));
  const answer = h('fieldset', { class: 'big-answer' },
    h('legend', { text: isToday ? t('dose.question_today') : t('dose.question_day') }),
    h('div', { class: 'choices' },
      choice('taken', 'yes', t('dose.taken'), taken === true),
      choice('taken', 'no', t('dose.not_taken'), taken === false)));

  const form = h('form', { id: `dose-form-${day.date}`, class: 'dose-form', novalidate: true },
    answer, takenDetails, missedDetails,
    field(t('dose.note'), note),
    change ? field(t('dose.reason_for_change'), change, t('dose.reason_for_change_hint')) : null,
    h('button', { type: 'submit', class: 'button-primary', text: t('action.save') }));

  form.addEventListener('change', () => {
    const value = form.elements.namedItem('taken').value;
    takenDetails.hidden = value !== 'yes';
    missedDetails.hidden = value !== 'no';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { body, problems } = readForm(form, day.date, existing);
    if (Object.keys(problems).length) return showErrors(form, null, problems);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const outcome = await submit({ id: `dose:${day.date}`, kind: 'dose', method: 'PUT', path: `/api/v1/me/doses/${day.date}`, body });
    button.disabled = false;
    if (outcome.state === 'rejected') return showErrors(form, outcome.error);
    onDone(outcome.state === 'sent' ? savedMessage(outcome.response) : t('outbox.saved_offline'));
  });
  return form;
}

function readForm(form, date, existing) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const problems = {};
  const answer = form.elements.namedItem('taken').value;
  const body = {};
  if (!answer) problems.taken = t('validation.choose_one');
  if (answer === 'yes') {
    body.taken = true;
    if (!value('taken_at')) problems.taken_at = t('validation.required');
    else {
      const takenAt = atLocalTime(date, value('taken_at'));
      if (takenAt > new Date()) problems.taken_at = t('validation.future_time');
      body.taken_at = isoInstant(takenAt);
    }
    const dose = Number(value('dose_mg'));
    if (!(dose > 0)) problems.dose_mg = t('validation.positive');
    body.dose_mg = dose;
    body.vomited_after = form.elements.namedItem('vomited_after').checked;
  } else if (answer === 'no') {
    body.taken = false;
    if (!value('missed_reason')) problems.missed_reason = t('validation.required');
    body.missed_reason = value('missed_reason');
  }
  if (value('note')) body.note = value('note');
  if (existing) {
    if (!value('reason_for_change')) problems.reason_for_change = t('validation.required');
    body.reason_for_change = value('reason_for_change');
  }
  return { body, problems };
}
