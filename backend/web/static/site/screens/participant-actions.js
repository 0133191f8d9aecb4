/**
 * The site's actions on one participant, each a small form with its reason: confirm a cycle,
 * start a hold, change the dose, enter a dose on the patient's behalf. API field errors are
 * shown next to the fields they name.
 * @module site/screens/participant-actions
 */
import { h } from '../../common/dom.js';
import { t, formatDate } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { atLocalTime, isoInstant } from '../../common/dates.js';
import { call } from '../api.js';

function control(spec) {
  if (spec.type === 'textarea') return h('textarea', { name: spec.name, rows: 2, required: spec.required });
  if (spec.type === 'yesno') {
    return h('select', { name: spec.name, required: true },
      h('option', { value: '', text: t('dose.choose') }),
      h('option', { value: 'true', text: t('dose.taken') }),
      h('option', { value: 'false', text: t('dose.not_taken') }));
  }
  return h('input', { type: spec.type, name: spec.name, required: spec.required, step: spec.type === 'number' ? 'any' : null });
}

/**
 * An action form. `preview(values)`, when given, runs whenever a field changes and returns a note
 * shown above the button (its API field errors go next to the fields).
 */
function actionForm({ id, title, fields, send, onDone, preview }) {
  const status = h('p', { role: 'status' });
  const note = h('p', { class: 'hint action-preview', 'aria-live': 'polite' });
  const form = h('form', { id, class: 'action-form', novalidate: true },
    ...fields.map((spec) => field(t(`site.field.${spec.name}`) + (spec.required ? '' : ` ${t('site.optional')}`), control(spec))),
    preview ? note : null,
    h('button', { type: 'submit', class: 'button-primary', text: title }));
  if (preview) {
    form.addEventListener('change', async () => {
      clearErrors(form);
      note.textContent = '';
      const values = Object.fromEntries(fields.map((spec) => [spec.name, form.elements.namedItem(spec.name).value.trim()]));
      try {
        note.textContent = await preview(values);
      } catch (error) {
        showErrors(form, error);
      }
    });
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    status.textContent = '';
    const values = {};
    const missing = {};
    for (const spec of fields) {
      const raw = form.elements.namedItem(spec.name).value.trim();
      if (!raw) {
        if (spec.required) missing[spec.name] = t('validation.required');
        continue;
      }
      values[spec.name] = spec.type === 'number' ? Number(raw) : spec.type === 'yesno' ? raw === 'true' : raw;
    }
    if (Object.keys(missing).length) return showErrors(form, null, missing);
    try {
      await send(values);
      form.reset();
      note.textContent = '';
      status.textContent = t('site.saved');
      onDone();
    } catch (error) {
      showErrors(form, error);
    }
  });
  return h('details', { class: 'action' }, h('summary', { text: title }), form, status);
}

/**
 * What a cycle confirmation does to days already past (CLINICAL.md: the site sees it before it
 * confirms): the dosing days the patient was never told about, or that there are none.
 * @param {{confirmed_late_days: string[]}} result the preview
 * @returns {string}
 */
function lateDaysNote({ confirmed_late_days: days }) {
  if (!days.length) return t('site.cycle.no_late_days');
  return t('site.cycle.late_days', { days: days.map((day) => formatDate(day)).join(', ') });
}

/**
 * The action forms for a participant.
 * @param {Object} participant `{id, ...}`
 * @param {function(): void} onDone reloads the page's data after a change
 * @returns {HTMLElement}
 */
export function renderActions(participant, onDone) {
  const base = `/participants/${participant.id}`;
  return h('div', { class: 'actions' },
    actionForm({
      id: 'confirm-cycle', title: t('site.action.confirm_cycle'), onDone,
      fields: [{ name: 'start_date', type: 'date', required: true }],
      // before confirming: refused dates, and the days a past date makes "confirmed late"
      preview: async ({ start_date: start }) => (start
        ? lateDaysNote(await call('GET', `${base}/cycles/preview?start_date=${encodeURIComponent(start)}`))
        : ''),
      send: (values) => call('POST', `${base}/cycles`, values),
    }),
    actionForm({
      id: 'hold', title: t('site.action.hold'), onDone,
      fields: [{ name: 'start_date', type: 'date', required: true }, { name: 'end_date', type: 'date' }, { name: 'reason', type: 'textarea', required: true }],
      send: (values) => call('POST', `${base}/holds`, values),
    }),
    actionForm({
      id: 'dose-change', title: t('site.action.dose_change'), onDone,
      fields: [{ name: 'effective_date', type: 'date', required: true }, { name: 'dose_mg', type: 'number', required: true }, { name: 'reason', type: 'textarea', required: true }],
      send: (values) => call('POST', `${base}/dose-changes`, values),
    }),
    actionForm({
      id: 'site-dose', title: t('site.action.enter_dose'), onDone,
      fields: [
        { name: 'date', type: 'date', required: true },
        { name: 'taken', type: 'yesno', required: true },
        { name: 'taken_at', type: 'time' },
        { name: 'dose_mg', type: 'number' },
        { name: 'reason', type: 'textarea', required: true },
        { name: 'source_detail', type: 'text', required: true },
      ],
      send: ({ date, taken_at: time, ...body }) => {
        if (time && body.taken) body.taken_at = isoInstant(atLocalTime(date, time));
        return call('PUT', `${base}/doses/${date}`, body);
      },
    }));
}
