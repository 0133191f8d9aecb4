/**
 * Showing API errors where they belong: each field message next to the control it names,
 * anything else at the top of the form. Controls are linked with aria-describedby.
 * @module common/forms
 */
import { h } from './dom.js';
import { t, hasText, currentLanguage } from './i18n.js';
import { ApiError, NetworkError } from './http.js';

/**
 * Remove the messages a previous `showErrors` call put into `form`.
 * @param {HTMLFormElement} form
 */
export function clearErrors(form) {
  form.querySelectorAll('.field-error, .form-error').forEach((node) => node.remove());
  form.querySelectorAll('[aria-invalid]').forEach((control) => {
    control.removeAttribute('aria-invalid');
    if (control.dataset.hint) control.setAttribute('aria-describedby', control.dataset.hint);
    else control.removeAttribute('aria-describedby');
  });
}

/**
 * Show a failed request's messages in `form` and focus the first field in error.
 * @param {HTMLFormElement} form
 * @param {?Error} error an ApiError, a NetworkError, anything else, or null for client-side checks
 * @param {Object<string, string>} [extraFields] client-side field messages to show as well
 */
export function showErrors(form, error, extraFields = {}) {
  clearErrors(form);
  const serverFields = error instanceof ApiError ? error.fieldErrors : {};
  for (const name of Object.keys(serverFields)) serverFields[name] = serverFieldMessage(serverFields[name]);
  const fields = { ...serverFields, ...extraFields };
  const unplaced = [];
  let first = null;
  for (const [field, message] of Object.entries(fields)) {
    // Nested fields come back dotted ("answers.nausea_frequency"); the control is the last part.
    const control = form.elements.namedItem(field) ?? form.elements.namedItem(field.split('.').pop());
    if (!control) {
      unplaced.push(`${field}: ${message}`);
      continue;
    }
    const target = control instanceof RadioNodeList ? control[0] : control;
    const id = `${form.id || 'form'}-${field.replace(/\W/g, '-')}-error`;
    const note = h('p', { class: 'field-error', id, text: message });
    const group = target.closest('fieldset, .field') ?? target.parentElement;
    group.append(note);
    const controls = control instanceof RadioNodeList ? [...control] : [control];
    for (const each of controls) {
      each.setAttribute('aria-invalid', 'true');
      each.setAttribute('aria-describedby', [each.dataset.hint, id].filter(Boolean).join(' '));
      // Once the user edits the field the message has done its job. On `input`, not `change`:
      // `change` fires on blur, i.e. on mousedown on the submit button, and the layout shift
      // from removing the message would make that click miss the button.
      each.addEventListener('input', () => {
        note.remove();
        controls.forEach((other) => {
          other.removeAttribute('aria-invalid');
          if (other.dataset.hint) other.setAttribute('aria-describedby', other.dataset.hint);
          else other.removeAttribute('aria-describedby');
        });
      }, { once: true });
    }
    first ??= target;
  }
  const summary = describeError(error, unplaced);
  if (summary) form.prepend(h('p', { class: 'form-error', role: 'alert', text: summary }));
  first?.focus();
}

/**
 * A field message from the server in the reader's language. The API writes its field messages in
 * English; a reader of another language gets the app's own "check this" text instead of English.
 * @param {string} message
 * @returns {string}
 */
export function serverFieldMessage(message) {
  return currentLanguage() === 'en' ? message : t('error.field_invalid');
}

/**
 * A one-line description of a failed request for the user, always in their language: a known
 * `reason` from the server (e.g. "activation_code_expired") has its own text, anything else a
 * text for its HTTP status; the server's English `message` is never shown as such.
 * @param {?Error} error
 * @param {string[]} [details] extra messages to append (server field messages are translated)
 * @returns {string}
 */
export function describeError(error, details = []) {
  if (!error) return details.join(' ');
  const reason = error instanceof ApiError ? error.body?.reason : null;
  const status = error instanceof ApiError ? error.status : null;
  let summary;
  if (error instanceof NetworkError) summary = t('error.network');
  else if (reason && hasText(`error.reason.${reason}`)) summary = t(`error.reason.${reason}`);
  else if (status === 401) summary = t('error.unauthorized');
  else if (status === 429) summary = t('error.rate_limited');
  else if (status === null || status >= 500) summary = t('error.server');
  else if (status === 422 && !details.length) return '';
  else if (hasText(`error.status.${status}`)) summary = t(`error.status.${status}`);
  else summary = t('error.rejected');
  return [summary, ...details.map(serverFieldMessage)].join(' ');
}

/**
 * A labelled control wrapped in a `.field` block.
 * @param {string} label visible label text
 * @param {HTMLElement} control an input, select or textarea; given an id if it has none
 * @param {string} [hint] help text under the label, linked by aria-describedby
 * @returns {HTMLElement}
 */
export function field(label, control, hint) {
  control.id ||= `f-${control.name}-${Math.random().toString(36).slice(2, 8)}`;
  const hintNode = hint ? h('p', { class: 'hint', id: `${control.id}-hint`, text: hint }) : null;
  if (hintNode) {
    control.dataset.hint = hintNode.id;
    control.setAttribute('aria-describedby', hintNode.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), hintNode, control);
}
