/**
 * The Sign-off view (#signoff): the complete cycles of the caller's site that have no valid
 * investigator signature, and, for an investigator, signing several of them at once with the
 * password again (21 CFR Part 11 §11.200: identity by the session, and the password). The
 * manifest of what was signed (name, UTC time, meaning) is shown after signing; the signing lock
 * after five wrong passwords is shown from the server's own state (docs/signoff-and-queries.md).
 * Self-contained like site/exports.js: one view function and its i18n keys (site.signoff.*).
 * @module site/signoff
 */
import { h, mount } from '../common/dom.js';
import { t, formatDate, formatDateTime } from '../common/i18n.js';
import { describeError, showErrors, clearErrors } from '../common/forms.js';
import { session, call } from './api.js';

const MEANINGS = ['reviewed', 'approved'];

function lockNotice(signing) {
  if (signing.locked) {
    return h('p', { class: 'form-error', role: 'alert', text: t('site.signoff.locked', { until: formatDateTime(signing.locked_until) }) });
  }
  if (signing.wrong_passwords > 0) {
    return h('p', { class: 'notice', text: t('site.signoff.tries_left', { count: signing.tries_left }) });
  }
  return null;
}

function stateText(item) {
  if (item.state !== 'invalidated') return t('site.signoff.state.unsigned');
  const by = item.invalidated_by;
  return by
    ? t('site.signoff.state.invalidated_by', { when: formatDateTime(by.server_time), who: by.actor_label ?? '—', reason: by.reason ?? '—' })
    : t('site.signoff.state.invalidated');
}

function cycleTable(cycles, selectable) {
  const head = [selectable ? t('site.signoff.select') : null, t('site.signoff.participant'), t('site.signoff.cycle'),
    t('site.signoff.span'), t('site.signoff.state')].filter((x) => x !== null);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'signoff-table' },
    h('thead', {}, h('tr', {}, ...head.map((text) => h('th', { scope: 'col', text })))),
    h('tbody', {}, ...cycles.map((item) => {
      const label = t('site.signoff.cycle_of', { cycle: item.cycle, participant: item.study_id });
      return h('tr', {},
        selectable
          ? h('td', {}, h('input', {
            type: 'checkbox', name: 'cycle', 'aria-label': label,
            value: JSON.stringify({ participant_id: item.participant_id, cycle: item.cycle }),
          }))
          : null,
        h('td', {}, h('a', { href: `#participant/${item.participant_id}`, text: item.study_id })),
        h('td', { text: `C${item.cycle}` }),
        h('td', { text: `${formatDate(item.first_date)} – ${formatDate(item.last_date)}` }),
        h('td', { text: stateText(item) }));
    }))));
}

function manifest(signatures) {
  return h('div', { role: 'status' },
    h('p', { text: t('site.signoff.signed', { count: signatures.length }) }),
    h('ul', { class: 'manifest' }, ...signatures.map((s) => h('li', {
      text: t('site.signoff.manifest', {
        cycle: s.cycle, name: s.signer_name, meaning: t(`site.signoff.meaning.${s.meaning}`),
        when: `${new Date(s.signed_at).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      }),
    }))));
}

function signForm(view, listing) {
  const password = h('input', { type: 'password', name: 'password', id: 'signoff-password', autocomplete: 'current-password', required: true });
  const meaning = h('select', { name: 'meaning', id: 'signoff-meaning' },
    ...MEANINGS.map((m) => h('option', { value: m, text: t(`site.signoff.meaning.${m}`) })));
  const form = h('form', { id: 'signoff-form', class: 'signoff-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'signoff-meaning', text: t('site.signoff.meaning') }), meaning),
    h('div', { class: 'field' }, h('label', { for: 'signoff-password', text: t('site.signoff.password') }), password),
    h('p', { class: 'hint', text: t('site.signoff.statement') }),
    h('button', { type: 'submit', text: t('site.signoff.sign_selected') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const cycles = [...listing.querySelectorAll('input[name=cycle]:checked')].map((box) => JSON.parse(box.value));
    if (!cycles.length) {
      showErrors(form, null, { meaning: t('site.signoff.none_selected') });
      return;
    }
    try {
      const result = await call('POST', '/signatures', { password: password.value, meaning: meaning.value, cycles });
      password.value = '';
      await render(view, { signed: result.signatures });
    } catch (error) {
      password.value = '';
      showErrors(form, error);
      if (error.status === 423) await render(view, { error: describeError(error) });
    }
  });
  return form;
}

/**
 * Render the Sign-off view into `view`.
 * @param {HTMLElement} view
 */
export async function showSignOff(view) {
  await render(view, {});
}

/**
 * The view, with what the last signing did.
 * @param {HTMLElement} view
 * @param {{signed?: Object[], error?: string}} outcome
 */
async function render(view, outcome) {
  const listed = await call('GET', '/signatures/to-sign');
  const investigator = session()?.user.role === 'investigator';
  const listing = listed.cycles.length
    ? cycleTable(listed.cycles, investigator && !listed.signing.locked)
    : h('p', { text: t('site.signoff.empty') });
  mount(view,
    h('h1', { text: t('site.signoff.title') }),
    h('p', { text: t(investigator ? 'site.signoff.intro' : 'site.signoff.intro_readonly') }),
    outcome.signed ? manifest(outcome.signed) : null,
    outcome.error ? h('p', { class: 'form-error', role: 'alert', text: outcome.error }) : null,
    investigator ? lockNotice(listed.signing) : null,
    listing,
    investigator && listed.cycles.length && !listed.signing.locked ? signForm(view, listing) : null);
}

function signatureText(s) {
  const when = `${new Date(s.signed_at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const text = t('site.signoff.manifest', { cycle: s.cycle, name: s.signer_name, meaning: t(`site.signoff.meaning.${s.meaning}`), when });
  return s.status === 'valid' && s.verified ? text : `${text} — ${t('site.signoff.state.invalidated')}`;
}

/**
 * A participant's cycles with their sign-off state and signature manifest (name, meaning, UTC
 * time), for the participant page: the manifest shows wherever the signed data is shown.
 * @param {string} participantId
 * @returns {Promise<HTMLElement>}
 */
export async function participantSignOff(participantId) {
  const adherence = await call('GET', `/participants/${participantId}/adherence`);
  const cycles = await Promise.all(adherence.cycles.map((c) => call('GET', `/participants/${participantId}/cycles/${c.cycle}`)));
  if (!cycles.length) return h('p', { text: t('site.signoff.no_cycles') });
  return h('div', { class: 'table-scroll' }, h('table', { class: 'signoff-table' },
    h('thead', {}, h('tr', {}, ...['cycle', 'span', 'state', 'signatures'].map((key) => h('th', { scope: 'col', text: t(`site.signoff.${key}`) })))),
    h('tbody', {}, ...cycles.map((c) => h('tr', {},
      h('td', { text: `C${c.cycle}` }),
      h('td', { text: c.last_date ? `${formatDate(c.first_date)} – ${formatDate(c.last_date)}` : `${formatDate(c.first_date)} –` }),
      h('td', { text: t(`site.signoff.cycle_state.${c.state}`) }),
      h('td', {}, c.signatures.length ? h('ul', {}, ...c.signatures.map((s) => h('li', { text: signatureText(s) }))) : '—'))))));
}
