/**
 * Blood pressure entry. The server grades the sitting; when it asks for a repeat (a first
 * reading at or above the repeat threshold) the patient rests five minutes, with a countdown, and
 * the second reading goes in with the same sitting id. The server's advice is shown prominently.
 * @module patient/screens/bp
 */
import { h, mount } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { renderAdvice } from '../../common/advice.js';
import { atLocalTime, isoDate, isoInstant, localTime } from '../../common/dates.js';
import { submit } from '../outbox.js';

// Plausibility bounds from CLINICAL.md (the server rejects the same with a 422); checked here
// too so that a reading typed offline is not queued only to be rejected later.
const BOUNDS = { systolic: [50, 300], diastolic: [20, 200], pulse: [20, 250] };
const REST_MS = 5 * 60 * 1000;
// The repeat level of CLINICAL.md (a single reading >= 160/100 asks for a second one after 5
// minutes). The server decides when online; offline the phone must still ask for the repeat,
// with the same sitting id, or the two readings would be graded as separate sittings.
const REPEAT_LEVEL = { systolic: 160, diastolic: 100 };
let timer = null;

/**
 * Render the BP screen for a new sitting.
 * @param {{main: HTMLElement}} context
 * @returns {void}
 */
export function showBloodPressure(context) {
  clearInterval(timer);
  const sittingId = crypto.randomUUID();
  const result = h('div', { class: 'bp-result', 'aria-live': 'polite' });
  mount(context.main,
    h('h1', { text: t('bp.title') }),
    h('p', { text: t('bp.intro') }),
    result,
    readingForm(sittingId, result, 1, () => showBloodPressure(context)));
}

function numberInput(name, required) {
  const [min, max] = BOUNDS[name];
  return h('input', { type: 'number', name, inputmode: 'numeric', min, max, step: 1, required, autocomplete: 'off' });
}

function readingForm(sittingId, result, attempt, restart) {
  const form = h('form', { id: `bp-form-${attempt}`, class: 'bp-form', novalidate: true },
    h('div', { class: 'field-row' },
      field(t('bp.systolic'), numberInput('systolic', true), t('bp.systolic_hint')),
      field(t('bp.diastolic'), numberInput('diastolic', true), t('bp.diastolic_hint'))),
    field(t('bp.pulse'), numberInput('pulse', false), t('bp.optional')),
    field(t('bp.measured_at'), h('input', { type: 'time', name: 'measured_at', required: true, value: localTime() })),
    h('button', { type: 'submit', class: 'button-primary', text: attempt === 1 ? t('bp.submit') : t('bp.submit_repeat') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { body, problems } = readForm(form);
    if (Object.keys(problems).length) return showErrors(form, null, problems);
    body.sitting_id = sittingId;
    form.querySelector('button[type=submit]').disabled = true;
    const outcome = await submit({ id: `bp:${body.client_id}`, kind: 'bp', method: 'POST', path: '/api/v1/me/bp-readings', body });
    form.querySelector('button[type=submit]').disabled = false;
    if (outcome.state === 'rejected') return showErrors(form, outcome.error);
    showResult(outcome, body, sittingId, result, form, attempt, restart);
  });
  return form;
}

function readForm(form) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const problems = {};
  const body = { client_id: crypto.randomUUID() };
  for (const [name, [min, max]] of Object.entries(BOUNDS)) {
    if (!value(name)) {
      if (name !== 'pulse') problems[name] = t('validation.required');
      continue;
    }
    const number = Number(value(name));
    if (!Number.isInteger(number) || number < min || number > max) problems[name] = t('validation.between', { min, max });
    else body[name] = number;
  }
  if (body.systolic && body.diastolic && body.systolic <= body.diastolic) problems.diastolic = t('bp.diastolic_below');
  if (!value('measured_at')) problems.measured_at = t('validation.required');
  else {
    const measured = atLocalTime(isoDate(), value('measured_at'));
    if (measured > new Date()) problems.measured_at = t('validation.future_time');
    body.measured_at = isoInstant(measured);
  }
  return { body, problems };
}

function showResult(outcome, body, sittingId, result, form, attempt, restart) {
  // The rest prompt before this form has done its job once the repeat reading is in.
  const rest = form.previousElementSibling;
  if (rest?.classList.contains('rest-box')) {
    clearInterval(timer);
    rest.remove();
  }
  const reading = h('p', { class: 'bp-reading', text: t('bp.reading', { systolic: body.systolic, diastolic: body.diastolic }) });
  if (outcome.state === 'queued') {
    mount(result, reading, h('p', { class: 'status-pending', text: t('outbox.saved_offline') }), h('p', { class: 'advice advice-review', text: t('bp.offline_advice') }));
    if (attempt === 1 && (body.systolic >= REPEAT_LEVEL.systolic || body.diastolic >= REPEAT_LEVEL.diastolic)) {
      const next = readingForm(sittingId, result, attempt + 1, restart);
      form.replaceWith(restCountdown(next), next);
    } else {
      form.replaceWith(newSittingButton(restart));
    }
    return;
  }
  const answer = outcome.response;
  mount(result, reading, ...renderAdvice(answer.advice), answer.alert ? h('p', { text: t('bp.team_told') }) : null);
  if (answer.repeat_requested) {
    const next = readingForm(sittingId, result, attempt + 1, restart);
    form.replaceWith(restCountdown(next), next);
  } else {
    form.replaceWith(newSittingButton(restart));
  }
}

function restCountdown(nextForm) {
  const submitButton = nextForm.querySelector('button[type=submit]');
  submitButton.disabled = true;
  const until = Date.now() + REST_MS;
  const clock = h('p', { class: 'countdown', role: 'timer', 'aria-live': 'off' });
  const status = h('p', { role: 'status' });
  const box = h('div', { class: 'rest-box' }, h('h2', { text: t('bp.rest_title') }), h('p', { text: t('bp.rest_detail') }), clock, status);
  const tick = () => {
    const left = Math.max(0, until - Date.now());
    const minutes = Math.floor(left / 60000);
    const seconds = Math.floor((left % 60000) / 1000);
    clock.textContent = `${minutes}:${String(seconds).padStart(2, '0')}`;
    if (left === 0) {
      clearInterval(timer);
      submitButton.disabled = false;
      nextForm.elements.namedItem('measured_at').value = localTime();
      status.textContent = t('bp.rest_done');
    }
  };
  clearInterval(timer);
  timer = setInterval(tick, 1000);
  tick();
  return box;
}

function newSittingButton(restart) {
  return h('button', { type: 'button', class: 'button-secondary', text: t('bp.new_sitting'), onclick: restart });
}
