/**
 * The symptom questionnaire, rendered from GET /api/v1/me/symptom-items, in the order CLINICAL.md
 * asks for: the temperature first (optional), then one answer for the whole day, "no symptoms
 * today" or "I have symptoms". "No symptoms" answers every symptom's first question with 0 and
 * sends (two taps: the answer, then Send). "I have symptoms" opens the questions: the first item
 * of each symptom is a gate (PRO-CTCAE): answered 0, the symptom's other items stay hidden and
 * are sent as 0; above 0 they are asked.
 * @module patient/screens/symptoms
 */
import { h, mount } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { NetworkError } from '../../common/http.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { renderAdvice } from '../../common/advice.js';
import { isoInstant } from '../../common/dates.js';
import { get } from '../api.js';
import { getValue, setValue } from '../store.js';
import { submit } from '../outbox.js';

const TEMPERATURE = [34.0, 43.0];

/**
 * The questionnaire in the participant's language, kept on the phone for offline use.
 * @param {string} language
 * @returns {Promise<Object>}
 */
export async function loadQuestionnaire(language) {
  const key = `symptom-items:${language}`;
  try {
    const questionnaire = await get('/me/symptom-items');
    await setValue(key, questionnaire);
    return questionnaire;
  } catch (error) {
    const cached = await getValue(key);
    if (error instanceof NetworkError && cached) return cached;
    throw error;
  }
}

/**
 * Render the questionnaire.
 * @param {{main: HTMLElement, participant: Object}} context
 * @returns {Promise<void>}
 */
export async function showSymptoms(context) {
  const questionnaire = await loadQuestionnaire(context.participant.language);
  const clientId = crypto.randomUUID();
  const questions = h('div', { class: 'symptom-questions', hidden: true },
    h('p', { class: 'hint', text: t('symptoms.intro') }),
    ...questionnaire.symptoms.map(symptomFieldset));
  const form = h('form', { id: 'symptom-form', class: 'symptom-form', novalidate: true },
    field(t('symptoms.temperature'), h('input', { type: 'number', name: 'temperature_c', inputmode: 'decimal', min: TEMPERATURE[0], max: TEMPERATURE[1], step: 0.1 }), t('symptoms.temperature_hint')),
    overallFieldset(),
    questions,
    h('button', { type: 'submit', class: 'button-primary', text: t('symptoms.submit') }));
  const result = h('div', { class: 'symptom-result', 'aria-live': 'polite' });
  form.addEventListener('change', () => {
    questions.hidden = form.elements.namedItem('overall').value !== 'some';
    updateGates(form, questionnaire);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { body, problems } = readForm(form, questionnaire);
    if (Object.keys(problems).length) return showErrors(form, null, problems);
    body.client_id = clientId;
    form.querySelector('button[type=submit]').disabled = true;
    const outcome = await submit({ id: `symptoms:${clientId}`, kind: 'symptoms', method: 'POST', path: '/api/v1/me/symptom-reports', body });
    form.querySelector('button[type=submit]').disabled = false;
    if (outcome.state === 'rejected') return showErrors(form, outcome.error);
    if (outcome.state === 'queued') {
      mount(result, h('p', { class: 'status-pending', text: t('outbox.saved_offline') }), h('p', { class: 'advice advice-review', text: t('symptoms.offline_advice') }));
    } else {
      const { advice, alerts } = outcome.response;
      mount(result, h('p', { class: 'flash', text: t('symptoms.saved') }), ...renderAdvice(advice),
        alerts?.length ? h('p', { text: t('symptoms.team_told') }) : null);
    }
    form.remove();
    result.querySelector('.advice, .flash, .status-pending')?.scrollIntoView();
  });
  mount(context.main,
    h('h1', { text: t('symptoms.title') }),
    questionnaire.recall ? h('p', { class: 'recall', text: questionnaire.recall }) : null,
    result,
    form);
  updateGates(form, questionnaire);
}

/** The one answer for the whole day: no symptoms, or the questions. */
function overallFieldset() {
  const option = (value, label) => h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'overall', value }), h('span', { text: label }));
  return h('fieldset', { class: 'big-answer overall' },
    h('legend', { text: t('symptoms.overall') }),
    h('div', { class: 'choices' }, option('none', t('symptoms.none')), option('some', t('symptoms.some'))));
}

function symptomFieldset(symptom) {
  const [gate, ...rest] = symptom.items;
  return h('fieldset', { class: 'symptom' },
    h('legend', { text: symptom.title }),
    itemFieldset(gate),
    h('div', { class: 'follow-up', 'data-gate': gate.code }, ...rest.map(itemFieldset)));
}

function itemFieldset(item) {
  return h('fieldset', { class: 'item', 'data-attribute': item.attribute },
    h('legend', { text: item.question }),
    h('div', { class: 'choices choices-scale' },
      ...item.options.map((option) =>
        h('label', { class: 'choice' }, h('input', { type: 'radio', name: item.code, value: option.value }), h('span', { text: option.label })))));
}

function answerOf(form, code) {
  const value = form.elements.namedItem(code)?.value;
  return value === '' || value === undefined ? null : Number(value);
}

function updateGates(form, questionnaire) {
  for (const symptom of questionnaire.symptoms) {
    const gateValue = answerOf(form, symptom.items[0].code);
    form.querySelector(`[data-gate="${CSS.escape(symptom.items[0].code)}"]`).hidden = !(gateValue > 0);
  }
}

/**
 * The report body and the problems to show. "No symptoms" answers every gate 0 and, as the
 * branching does for any gate of 0, sends the skipped follow-ups as 0.
 */
function readForm(form, questionnaire) {
  const answers = {};
  const problems = {};
  const overall = form.elements.namedItem('overall').value;
  if (!overall) problems.overall = t('validation.choose_one');
  for (const symptom of questionnaire.symptoms) {
    const [gate, ...rest] = symptom.items;
    if (overall !== 'some') {  // "none": each symptom's first question 0, so the rest score 0
      for (const item of symptom.items) answers[item.code] = 0;
      continue;
    }
    const gateValue = answerOf(form, gate.code);
    if (gateValue === null) problems[gate.code] = t('validation.choose_one');
    answers[gate.code] = gateValue;
    for (const item of rest) {
      const value = gateValue > 0 ? answerOf(form, item.code) : 0;
      if (value === null) problems[item.code] = t('validation.choose_one');
      answers[item.code] = value;
    }
  }
  const body = { reported_at: isoInstant(new Date()), answers };
  const temperature = form.elements.namedItem('temperature_c')?.value.trim();
  if (temperature) {
    const celsius = Number(temperature);
    if (!(celsius >= TEMPERATURE[0] && celsius <= TEMPERATURE[1])) problems.temperature_c = t('validation.between', { min: TEMPERATURE[0].toFixed(1), max: TEMPERATURE[1].toFixed(1) });
    body.temperature_c = celsius;
  }
  return { body, problems };
}
