/**
 * Participant management the API already has, each a small form shown only to the roles the
 * server lets use it: enrol a participant and the site's day/night phone numbers (on the
 * overview); revoke a device, end a hold and discontinue (on the participant's page).
 * A saved change says what it did in place, next to the form, and updates its own row: nothing
 * else on the screen moves. Dates and times are the participant's local ones and say so.
 * API field errors are shown next to the fields they name, in the reader's language.
 * @module site/manage
 */
import { h } from '../common/dom.js';
import { t, formatDate, formatDateTime } from '../common/i18n.js';
import { field, showErrors, clearErrors } from '../common/forms.js';
import { isoDate } from '../common/dates.js';
import { ApiError } from '../common/http.js';
import { call } from './api.js';
import { can } from './roles.js';
import { participantLink } from './route.js';

const participantPath = (participant) => `/participants/${participant.id}`;

function input(name, type, attrs = {}) {
  if (type === 'textarea') return h('textarea', { name, rows: 2, ...attrs });
  if (type === 'select') {
    const { options, ...rest } = attrs;
    return h('select', { name, ...rest }, ...options.map(([value, text]) => h('option', { value, text })));
  }
  const control = h('input', { type, name, ...attrs });
  if (attrs.value) control.defaultValue = attrs.value; // what a reset after saving goes back to
  return control;
}

/**
 * Read the named controls of a form; empty ones are left out, and the required ones are reported.
 * @returns {{values: Object, missing: Object<string, string>}}
 */
function readForm(form, specs) {
  const values = {};
  const missing = {};
  for (const spec of specs) {
    const raw = form.elements.namedItem(spec.name).value.trim();
    if (!raw) {
      if (spec.required) missing[spec.name] = t('validation.required');
      continue;
    }
    values[spec.name] = spec.type === 'number' ? Number(raw) : raw;
  }
  return { values, missing };
}

/**
 * A form in a collapsible block: `specs` are its fields ({name, type, label, required, attrs,
 * hint}); `send(values)` calls the API; `done(values, answer)` returns the message shown in place
 * (and may update the rows the change concerns). `check(values)` returns client-side field errors;
 * `once`: the form goes away after its change is saved (the message stays).
 */
function managedForm({ id, title, specs, send, done, check, submitText, open = false, before = null, once = false }) {
  const status = h('p', { role: 'status', class: 'manage-status' });
  const form = h('form', { id, class: 'action-form', novalidate: true },
    before,
    ...specs.map((spec) => field(
      spec.label + (spec.required ? '' : ` ${t('site.optional')}`),
      input(spec.name, spec.type, { required: spec.required, ...(spec.attrs ?? {}) }),
      spec.hint)),
    h('button', { type: 'submit', class: 'button-primary', text: submitText ?? title }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    status.textContent = '';
    status.classList.remove('confirmation');
    const { values, missing } = readForm(form, specs);
    const invalid = { ...(check ? check(values) : {}), ...missing };
    if (Object.keys(invalid).length) return showErrors(form, null, invalid);
    try {
      const answer = await send(values, form);
      if (answer === undefined) return; // the sender asked for a confirmation first
      status.textContent = done(values, answer);
      status.classList.add('confirmation');
      if (once) form.hidden = true; // a revoked device or an ended hold has nothing left to do here
    } catch (error) {
      // a field the server refused gets this form's own words for it, in the reader's language
      const named = error instanceof ApiError ? error.fieldErrors : {};
      showErrors(form, error, Object.fromEntries(specs
        .filter((spec) => spec.errorText && named[spec.name])
        .map((spec) => [spec.name, typeof spec.errorText === 'function' ? spec.errorText() : t(spec.errorText)])));
    }
  });
  return h('details', { class: 'action', id: `${id}-block`, open }, h('summary', { text: title }), form, status);
}

/**
 * The zones a time zone field offers (every IANA zone this browser knows).
 * @returns {HTMLElement} a datalist
 */
function zoneList() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return h('datalist', { id: 'zone-list' }, ...zones.map((zone) => h('option', { value: zone })));
}

/**
 * Enrol a participant at `site` (coordinators and investigators). Shown on the overview; the new
 * participant's page is linked from the message, the table underneath is left as it is.
 * @param {{id: string, timezone: string}} site
 * @returns {?HTMLElement} null for roles that may not enrol
 */
export function enrolForm(site) {
  if (!can('site.enter') || !site) return null;
  const zoneNote = t('site.manage.local_note');
  const specs = [
    { name: 'study_id', type: 'text', required: true, label: t('site.manage.study_id'), attrs: { autocomplete: 'off' }, hint: t('site.manage.study_id_hint'), errorText: 'site.manage.study_id_invalid' },
    { name: 'timezone', type: 'text', required: true, label: t('site.manage.timezone'), attrs: { list: 'zone-list', value: site.timezone, autocomplete: 'off' }, errorText: 'site.manage.timezone_invalid' },
    { name: 'language', type: 'select', required: true, label: t('site.manage.language'), attrs: { options: [['zh-CN', '中文'], ['en', 'English']] } },
    { name: 'c1d1', type: 'date', required: true, label: t('site.manage.c1d1'), hint: zoneNote },
    { name: 'reminder_time', type: 'time', required: true, label: t('site.manage.reminder_time'), attrs: { value: '08:00' } },
    { name: 'bp_reminder_time', type: 'time', label: t('site.manage.bp_reminder_time') },
    { name: 'dose_mg', type: 'number', label: t('site.field.dose_mg'), attrs: { step: 'any' }, hint: t('site.manage.dose_hint') },
    { name: 'baseline_sbp', type: 'number', label: t('site.field.baseline_sbp') },
    { name: 'baseline_dbp', type: 'number', label: t('site.field.baseline_dbp') },
  ];
  const block = managedForm({
    id: 'enrol', title: t('site.manage.enrol'), specs,
    before: zoneList(),
    send: (values) => call('POST', '/participants', { ...values, site_id: site.id }),
    done: (values, created) => {
      const link = h('a', { href: participantLink(created.id), text: t('site.manage.open_page', { study_id: created.study_id }) });
      queueMicrotask(() => {
        const status = block.querySelector('.manage-status');
        status.append(' ', link);
        block.querySelector('form').reset();
      });
      return t('site.manage.enrolled', { study_id: created.study_id, date: formatDate(created.c1d1, { dateStyle: 'medium' }) });
    },
  });
  return block;
}

/**
 * The site's day and night phone numbers, which urgent advice shows patients as tap-to-call
 * links (E.164; a reason goes to the audit trail). Coordinators, investigators and admins.
 * @param {{id: string, phone_day: ?string, phone_night: ?string}} site
 * @returns {?HTMLElement}
 */
export function sitePhonesForm(site) {
  if (!can('site.settings') || !site) return null;
  const current = h('p', { class: 'hint site-phones-current' });
  const show = (each) => {
    current.textContent = t('site.manage.phones_current', { day: each.phone_day ?? t('site.manage.phone_unset'), night: each.phone_night ?? t('site.manage.phone_unset') });
  };
  show(site);
  const specs = [
    { name: 'phone_day', type: 'tel', required: true, label: t('site.manage.phone_day'), attrs: { value: site.phone_day ?? '', autocomplete: 'off' }, hint: t('site.manage.phone_hint'), errorText: 'site.manage.phone_invalid' },
    { name: 'phone_night', type: 'tel', required: true, label: t('site.manage.phone_night'), attrs: { value: site.phone_night ?? '', autocomplete: 'off' }, hint: t('site.manage.phone_hint'), errorText: 'site.manage.phone_invalid' },
    { name: 'reason', type: 'textarea', required: true, label: t('site.field.reason') },
  ];
  return managedForm({
    id: 'site-phones', title: t('site.manage.phones'), submitText: t('site.manage.phones_save'), specs, before: current,
    send: (values) => call('PATCH', `/sites/${site.id}`, values),
    done: (values, saved) => {
      show(saved);
      return t('site.manage.phones_saved');
    },
  });
}

/**
 * The participant's devices, holds and discontinuation, for the roles that may change them.
 * @param {Object} participant `{id, study_id, timezone, status, ...}`
 * @returns {Promise<?HTMLElement>} null for a monitor
 */
export async function participantManagement(participant) {
  if (!can('site.enter')) return null;
  const base = participantPath(participant);
  const [devices, holds] = await Promise.all([
    call('GET', `${base}/devices`),
    can('site.order') ? call('GET', `${base}/holds`) : Promise.resolve([]),
  ]);
  return h('div', { class: 'actions manage' },
    devicesBlock(participant, devices),
    can('site.order') ? holdsBlock(participant, holds) : null,
    can('site.order') && participant.status !== 'off_treatment' ? discontinueBlock(participant) : null);
}

function localDateTime(instant, zone) {
  return instant ? formatDateTime(instant, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }) : '—';
}

function devicesBlock(participant, devices) {
  const zone = participant.timezone;
  const rows = devices.map((device) => {
    const state = h('td');
    const action = h('td');
    const row = h('tr', { 'data-device': device.id },
      h('th', { scope: 'row', text: device.label || t('site.manage.device_unnamed') }),
      h('td', { text: localDateTime(device.created_at, zone) }),
      h('td', { text: localDateTime(device.last_seen_at, zone) }),
      state, action);
    const revoked = (when) => {
      state.textContent = t('site.manage.device_revoked', { time: localDateTime(when, zone) });
      action.replaceChildren();
    };
    if (device.revoked_at) revoked(device.revoked_at);
    else {
      state.textContent = t('site.manage.device_active');
      action.append(managedForm({
        id: `revoke-${device.id}`, title: t('site.manage.revoke'), once: true,
        specs: [{ name: 'reason', type: 'textarea', required: true, label: t('site.field.reason') }],
        send: (values) => call('POST', `${participantPath(participant)}/devices/${device.id}/revoke`, values),
        done: (values, answer) => {
          state.textContent = t('site.manage.device_revoked', { time: localDateTime(answer.revoked_at, zone) });
          return t('site.manage.revoked', { device: device.label || t('site.manage.device_unnamed') });
        },
      }));
    }
    return row;
  });
  return h('details', { class: 'action', id: 'devices-block' },
    h('summary', { text: t('site.manage.devices') }),
    devices.length
      ? h('div', { class: 'table-scroll' }, h('table', { class: 'devices' },
        h('caption', { class: 'hint', text: t('site.manage.times_local', { zone }) }),
        h('thead', {}, h('tr', {}, ...['device', 'enrolled', 'last_seen', 'state', 'action'].map((key) => h('th', { scope: 'col', text: t(`site.manage.col.${key}`) })))),
        h('tbody', {}, ...rows)))
      : h('p', { text: t('site.manage.no_devices') }));
}

function holdText(hold) {
  const start = formatDate(hold.start_date, { dateStyle: 'medium' });
  return hold.end_date
    ? t('site.manage.hold_range', { start, end: formatDate(hold.end_date, { dateStyle: 'medium' }) })
    : t('site.manage.hold_open', { start });
}

function holdsBlock(participant, holds) {
  const today = isoDate();
  // holds still running or ending later: the ones an investigator may end now
  const current = holds.filter((hold) => !hold.end_date || hold.end_date >= today);
  const items = current.map((hold) => {
    const summary = h('p', { class: 'hold-summary', text: `${holdText(hold)} — ${hold.reason}` });
    return h('li', { 'data-hold': hold.id }, summary, managedForm({
      id: `end-hold-${hold.id}`, title: t('site.manage.end_hold'), once: true,
      specs: [
        {
          name: 'end_date', type: 'date', required: true, label: t('site.manage.hold_last_day'), attrs: { value: today, min: hold.start_date }, hint: t('site.manage.local_note'),
          errorText: () => t('site.manage.hold_end_invalid', { start: formatDate(hold.start_date, { dateStyle: 'medium' }) }),
        },
        { name: 'reason', type: 'textarea', required: true, label: t('site.field.reason') },
      ],
      send: (values) => call('PATCH', `${participantPath(participant)}/holds/${hold.id}`, values),
      done: (values, saved) => {
        summary.textContent = `${holdText(saved)} — ${saved.reason}`;
        return t('site.manage.hold_ended', { date: formatDate(saved.end_date, { dateStyle: 'medium' }) });
      },
    }));
  });
  return h('details', { class: 'action', id: 'holds-block' },
    h('summary', { text: t('site.manage.holds') }),
    items.length ? h('ul', { class: 'holds' }, ...items) : h('p', { text: t('site.manage.no_holds') }));
}

function discontinueBlock(participant) {
  let confirmed = false;
  const ask = h('div', { class: 'confirm-box', hidden: true, role: 'alertdialog', 'aria-labelledby': 'discontinue-question' });
  const block = managedForm({
    id: 'discontinue', title: t('site.manage.discontinue'), submitText: t('site.manage.discontinue_next'),
    specs: [
      {
        name: 'date', type: 'date', required: true, label: t('site.manage.off_from'), hint: t('site.manage.local_note'),
        errorText: () => t('site.manage.off_from_invalid', { c1d1: formatDate(participant.c1d1, { dateStyle: 'medium' }) }),
      },
      { name: 'reason', type: 'textarea', required: true, label: t('site.field.reason') },
    ],
    send: async (values, form) => {
      if (!confirmed) {
        // irreversible: say exactly what happens and ask once more, in place
        const yes = h('button', { type: 'button', class: 'button-danger', id: 'discontinue-confirm', text: t('site.manage.discontinue_yes') });
        const no = h('button', { type: 'button', class: 'button-secondary', text: t('site.manage.cancel') });
        ask.replaceChildren(
          h('p', { id: 'discontinue-question', text: t('site.manage.discontinue_question', { study_id: participant.study_id, date: formatDate(values.date, { dateStyle: 'medium' }) }) }),
          h('p', { class: 'hint', text: t('site.manage.discontinue_warning') }), yes, ' ', no);
        ask.hidden = false;
        yes.addEventListener('click', () => { confirmed = true; form.requestSubmit(); });
        no.addEventListener('click', () => { ask.hidden = true; ask.replaceChildren(); });
        yes.focus();
        return undefined;
      }
      confirmed = false;
      ask.hidden = true;
      ask.replaceChildren();
      return call('POST', `${participantPath(participant)}/discontinue`, values);
    },
    done: (values) => {
      block.querySelector('form').hidden = true;
      return t('site.manage.discontinued', { study_id: participant.study_id, date: formatDate(values.date, { dateStyle: 'medium' }) });
    },
  });
  block.querySelector('form').append(ask);
  return block;
}
