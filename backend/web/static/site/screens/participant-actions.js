/**
 * The site's actions on one participant, each a small form with its reason: confirm a cycle,
 * start a hold, change the dose (investigators only), enter a dose on the patient's behalf.
 * API field errors are shown next to the fields they name; a saved action says what it did
 * (the page reloads with that message at the top). Times are the participant's local time.
 * @module site/screens/participant-actions
 */
import { h } from '../../common/dom.js';
import { t, formatDate, formatDateTime } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { instantInZone } from '../../common/dates.js';
import { call } from '../api.js';
import { can } from '../roles.js';

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
function actionForm({ id, title, fields, send, onDone, preview, done }) {
  const status = h('p', { role: 'status' });
  const note = h('p', { class: 'hint action-preview', 'aria-live': 'polite' });
  const form = h('form', { id, class: 'action-form', novalidate: true },
    ...fields.map((spec) => field(t(spec.label ?? `site.field.${spec.name}`, spec.labelValues) + (spec.required ? '' : ` ${t('site.optional')}`), control(spec))),
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
      const answer = await send(values);
      form.reset();
      note.textContent = '';
      const message = done ? done(values, answer) : t('site.saved');
      status.textContent = message;
      onDone(message);
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
 * The action forms the signed-in role may use (none for a monitor; no holds or dose changes
 * for a coordinator).
 * @param {Object} participant `{id, timezone, ...}`
 * @param {function(string): void} onDone reloads the page after a change, showing the message
 * @param {{day?: string}} [options] day: prefill the dose entry's date (a day's deep link)
 * @returns {?HTMLElement} null when the role may do nothing here
 */
export function renderActions(participant, onDone, { day } = {}) {
  if (!can('site.enter')) return null;
  const base = `/participants/${participant.id}`;
  const forms = h('div', { class: 'actions' },
    actionForm({
      id: 'confirm-cycle', title: t('site.action.confirm_cycle'), onDone,
      done: ({ start_date: start }, cycle) => t('site.done.cycle', { cycle: cycle?.number ?? '', date: formatDate(start, { dateStyle: 'medium' }) }),
      fields: [{ name: 'start_date', type: 'date', required: true }],
      // before confirming: refused dates, and the days a past date makes "confirmed late"
      preview: async ({ start_date: start }) => (start
        ? lateDaysNote(await call('GET', `${base}/cycles/preview?start_date=${encodeURIComponent(start)}`))
        : ''),
      send: (values) => call('POST', `${base}/cycles`, values),
    }),
    can('site.order') ? actionForm({
      id: 'hold', title: t('site.action.hold'), onDone,
      done: ({ start_date: start }) => t('site.done.hold', { date: formatDate(start, { dateStyle: 'medium' }) }),
      fields: [
        { name: 'start_date', type: 'date', required: true, label: 'site.field.hold_start' },
        { name: 'end_date', type: 'date', label: 'site.field.hold_end' },
        { name: 'reason', type: 'textarea', required: true },
      ],
      send: (values) => call('POST', `${base}/holds`, values),
    }) : null,
    can('site.order') ? actionForm({
      id: 'dose-change', title: t('site.action.dose_change'), onDone,
      done: ({ dose_mg: dose, effective_date: from }) => t('site.done.dose_change', { dose, date: formatDate(from, { dateStyle: 'medium' }) }),
      fields: [{ name: 'effective_date', type: 'date', required: true }, { name: 'dose_mg', type: 'number', required: true }, { name: 'reason', type: 'textarea', required: true }],
      send: (values) => call('POST', `${base}/dose-changes`, values),
    }) : null,
    actionForm({
      id: 'site-dose', title: t('site.action.enter_dose'), onDone,
      done: ({ date }) => t('site.done.dose_entry', { date: formatDate(date, { dateStyle: 'medium' }) }),
      fields: [
        { name: 'date', type: 'date', required: true },
        { name: 'taken', type: 'yesno', required: true },
        { name: 'taken_at', type: 'time', label: 'site.field.taken_at_zone', labelValues: { zone: participant.timezone } },
        { name: 'dose_mg', type: 'number' },
        { name: 'reason', type: 'textarea', required: true },
        { name: 'source_detail', type: 'text', required: true },
      ],
      send: ({ date, taken_at: time, ...body }) => {
        // the participant's wall clock, not this browser's: 08:00 for a London patient is 08:00 London
        if (time && body.taken) body.taken_at = instantInZone(date, time, participant.timezone);
        return call('PUT', `${base}/doses/${date}`, body);
      },
    }));
  forms.append(
    actionForm({
      id: 'reminders', title: t('site.action.reminders'), onDone,
      done: () => t('site.done.reminders'),
      fields: [
        { name: 'reminder_time', type: 'time', label: 'site.field.reminder_time_zone', labelValues: { zone: participant.timezone } },
        { name: 'bp_reminder_time', type: 'time', label: 'site.field.bp_reminder_time_zone', labelValues: { zone: participant.timezone } },
        { name: 'baseline_sbp', type: 'number' },
        { name: 'baseline_dbp', type: 'number' },
        { name: 'reason', type: 'textarea', required: true },
      ],
      send: (values) => call('PATCH', base, values),
    }),
    activationCard(participant));
  if (day) forms.querySelector('#site-dose input[name=date]').value = day;
  return forms;
}

/**
 * Issue (or reissue) the patient's activation code: a printable card with the code, its expiry
 * and a QR code that opens the patient app with the code filled in. A new code revokes the old.
 * @param {Object} participant
 * @returns {HTMLElement}
 */
function activationCard(participant) {
  const holder = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'button-primary', id: 'issue-code', text: t('site.activation.issue') });
  button.addEventListener('click', async () => {
    try {
      const issued = await call('POST', `/participants/${participant.id}/activation-code`);
      const image = h('img', { src: `data:image/svg+xml;base64,${btoa(issued.qr_svg)}`, alt: t('site.activation.qr_alt'), class: 'activation-qr', width: 180, height: 180 });
      holder.replaceChildren(h('div', { class: 'activation-card' },
        h('p', { class: 'activation-title', text: t('site.activation.card_title', { study_id: participant.study_id }) }),
        image,
        h('p', { class: 'activation-code', text: issued.code }),
        h('p', { text: t('site.activation.expires', { time: formatDateTime(issued.expires_at) }) }),
        h('p', { class: 'hint', text: issued.activation_url })),
      h('button', { type: 'button', class: 'button-secondary', text: t('site.activation.print'), onclick: () => window.print() }));
    } catch (error) {
      holder.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: error.message }));
    }
  });
  return h('details', { class: 'action' }, h('summary', { text: t('site.activation.title') }),
    h('p', { class: 'hint', text: t('site.activation.hint') }), button, holder);
}
