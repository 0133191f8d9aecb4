/**
 * The Queries view (#queries) and a participant's queries: a monitor (or the site) questions one
 * record, the site answers in words or corrects the value with a source, the monitor closes or
 * re-opens (docs/signoff-and-queries.md). Each role sees only the controls it may use: answering
 * is the site's (coordinator, investigator); closing and re-opening are the monitor's, and the
 * site's for a query the site raised itself. The server enforces the same rules.
 * Self-contained like site/exports.js: view functions and their i18n keys (site.queries.*).
 * @module site/queries
 */
import { h, mount } from '../common/dom.js';
import { t, formatDate, formatDateTime } from '../common/i18n.js';
import { showErrors, clearErrors } from '../common/forms.js';
import { session, call } from './api.js';

const STATUSES = ['open', 'answered', 'closed'];
const KINDS = ['dose_day', 'bp_reading', 'symptom_report', 'participant'];
const SITE_ROLES = ['coordinator', 'investigator'];
// What the site can correct for each kind (the API's correction schemas); the value's source is asked for each.
const CORRECTION_FIELDS = {
  dose_day: [['taken', 'select']],
  bp_reading: [['systolic', 'number'], ['diastolic', 'number']],
  symptom_report: [['temperature_c', 'number']],
};

function role() {
  return session()?.user.role;
}

function mayAnswer(query) {
  return SITE_ROLES.includes(role()) && query.status === 'open';
}

function maySettle(query) {
  return role() === 'monitor' || (SITE_ROLES.includes(role()) && SITE_ROLES.includes(query.raised_by_role));
}

function target(query) {
  const kind = t(`site.queries.kind.${query.target_kind}`);
  if (query.target_date) return `${kind}: ${formatDate(query.target_date)}`;
  if (query.target_field) return `${kind}: ${query.target_field}`;
  return kind;
}

function field(id, label, control) {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control);
}

/** A small form that posts `body()` to `path` and re-renders on success. */
function actionForm(query, name, fields, body, done) {
  const form = h('form', { id: `query-${name}-${query.id}`, class: 'query-action', novalidate: true }, ...fields,
    h('button', { type: 'submit', text: t(`site.queries.${name}`) }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await call('POST', `/queries/${query.id}/${name}`, body(form));
      await done(t(`site.queries.done.${name}`));
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}

function correctionFields(query) {
  const spec = CORRECTION_FIELDS[query.target_kind];
  if (!spec) return [];
  const controls = spec.map(([name, type]) => {
    const control = type === 'select'
      ? h('select', { name }, h('option', { value: '', text: '—' }),
        h('option', { value: 'true', text: t('site.queries.taken.yes') }),
        h('option', { value: 'false', text: t('site.queries.taken.no') }))
      : h('input', { type: 'number', name, step: name === 'temperature_c' ? '0.1' : '1' });
    return field(`q-${query.id}-${name}`, t(`site.queries.field.${name}`), control);
  });
  return [h('fieldset', {}, h('legend', { text: t('site.queries.correct') }), ...controls,
    field(`q-${query.id}-source`, t('site.queries.field.source_detail'), h('input', { type: 'text', name: 'source_detail' })))];
}

function correction(query, form) {
  const spec = CORRECTION_FIELDS[query.target_kind];
  if (!spec) return null;
  const values = {};
  for (const [name, type] of spec) {
    const raw = form.elements.namedItem(name).value;
    if (raw === '') continue;
    values[name] = type === 'select' ? raw === 'true' : Number(raw);
  }
  if (!Object.keys(values).length) return null;
  return { ...values, source_detail: form.elements.namedItem('source_detail').value };
}

function actions(query, done) {
  const forms = [];
  if (mayAnswer(query)) {
    forms.push(actionForm(query, 'answer',
      [field(`q-${query.id}-answer`, t('site.queries.answer_text'), h('textarea', { name: 'answer', rows: 2 })), ...correctionFields(query)],
      (form) => ({ answer: form.elements.namedItem('answer').value, correction: correction(query, form) }), done));
  }
  if (maySettle(query) && query.status !== 'closed') {
    forms.push(actionForm(query, 'close',
      [field(`q-${query.id}-close-note`, t('site.queries.note_optional'), h('input', { type: 'text', name: 'note' }))],
      (form) => ({ note: form.elements.namedItem('note').value || null }), done));
  }
  if (maySettle(query) && query.status !== 'open') {
    forms.push(actionForm(query, 'reopen',
      [field(`q-${query.id}-reopen-note`, t('site.queries.note_required'), h('input', { type: 'text', name: 'note' }))],
      (form) => ({ note: form.elements.namedItem('note').value }), done));
  }
  return forms;
}

function queryItem(query, done) {
  const answered = query.answer
    ? h('p', { text: t('site.queries.answered_by', { name: query.answered_by_name ?? '—', when: formatDateTime(query.answered_at), answer: query.answer }) })
    : null;
  const corrected = query.correction ? h('p', { text: t('site.queries.corrected', { when: formatDateTime(query.correction.server_time) }) }) : null;
  const closed = query.closed_at ? h('p', { text: t('site.queries.closed_by', { name: query.closed_by_name ?? '—', when: formatDateTime(query.closed_at) }) }) : null;
  return h('li', { class: `query query-${query.status}` },
    h('h3', {},
      h('a', { href: `#participant/${query.participant_id}`, text: query.study_id }), ` · ${target(query)} · `,
      h('span', { class: 'query-status', text: t(`site.queries.status.${query.status}`) })),
    h('p', { class: 'query-question', text: query.question }),
    h('p', { class: 'hint', text: t('site.queries.raised_by', { name: query.raised_by_name ?? '—', role: t(`site.role.${query.raised_by_role}`), when: formatDateTime(query.raised_at) }) }),
    answered, corrected, closed,
    ...actions(query, done));
}

function raiseForm(participants, fixedParticipant, done) {
  const participant = fixedParticipant
    ? null
    : field('raise-participant', t('site.queries.participant'), h('select', { name: 'participant_id' },
      ...participants.map((p) => h('option', { value: p.id, text: p.study_id }))));
  const kind = h('select', { name: 'target_kind' }, ...KINDS.map((k) => h('option', { value: k, text: t(`site.queries.kind.${k}`) })));
  const form = h('form', { id: 'raise-query', class: 'raise-query', novalidate: true },
    h('h2', { text: t('site.queries.raise') }),
    participant,
    field('raise-kind', t('site.queries.kind'), kind),
    field('raise-date', t('site.queries.target_date'), h('input', { type: 'date', name: 'target_date' })),
    field('raise-id', t('site.queries.target_id'), h('input', { type: 'text', name: 'target_id' })),
    field('raise-field', t('site.queries.target_field'), h('input', { type: 'text', name: 'target_field' })),
    field('raise-question', t('site.queries.question'), h('textarea', { name: 'question', rows: 3 })),
    h('button', { type: 'submit', text: t('site.queries.raise_button') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = (name) => form.elements.namedItem(name).value || null;
    try {
      await call('POST', '/queries', {
        participant_id: fixedParticipant ?? value('participant_id'),
        target_kind: value('target_kind'),
        target_date: value('target_date'),
        target_id: value('target_id'),
        target_field: value('target_field'),
        question: value('question') ?? '',
      });
      await done(t('site.queries.done.raise'));
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}

async function queryList(root, filter, participantId, message) {
  const query = new URLSearchParams();
  if (filter) query.set('status', filter);
  if (participantId) query.set('participant_id', participantId);
  const queries = await call('GET', `/queries?${query}`);
  const rerender = (text) => queryList(root, filter, participantId, text);
  const participants = participantId ? [] : await call('GET', '/participants');
  const people = Array.isArray(participants) ? participants : (participants.items ?? []);
  mount(root,
    message ? h('p', { role: 'status', class: 'notice', text: message }) : h('p', { role: 'status' }),
    queries.length
      ? h('ul', { class: 'query-list' }, ...queries.map((q) => queryItem(q, rerender)))
      : h('p', { text: t('site.queries.empty') }),
    raiseForm(people, participantId, rerender));
}

/**
 * The Queries view: every query the caller may see, by state, with the actions its role allows.
 * @param {HTMLElement} view
 */
export async function showQueries(view) {
  const body = h('div', {});
  const filter = h('select', { id: 'query-filter' },
    h('option', { value: '', text: t('site.queries.all') }),
    ...STATUSES.map((s) => h('option', { value: s, text: t(`site.queries.status.${s}`) })));
  filter.value = 'open';
  filter.addEventListener('change', () => queryList(body, filter.value, null));
  const summary = await call('GET', '/queries/summary');
  view.append(
    h('h1', { text: t('site.queries.title') }),
    h('p', { text: t('site.queries.counts', { open: summary.open, answered: summary.answered, closed: summary.closed }) }),
    h('div', { class: 'field' }, h('label', { for: 'query-filter', text: t('site.queries.show') }), filter),
    body);
  await queryList(body, filter.value, null);
}

/**
 * A participant's queries, for their page.
 * @param {string} participantId
 * @returns {Promise<HTMLElement>}
 */
export async function participantQueries(participantId) {
  const body = h('div', {});
  await queryList(body, '', participantId);
  return body;
}
