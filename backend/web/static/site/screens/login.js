/**
 * Staff sign-in form.
 * @module site/screens/login
 */
import { h, mount } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { login } from '../api.js';

/**
 * Show the sign-in form.
 * @param {HTMLElement} main
 * @param {function(): void} onSignedIn
 */
export function showLogin(main, onSignedIn) {
  const form = h('form', { id: 'login-form', novalidate: true },
    field(t('site.login.email'), h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true })),
    field(t('site.login.password'), h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'button-primary', text: t('site.login.submit') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    const missing = {};
    if (!email) missing.email = t('validation.required');
    if (!password) missing.password = t('validation.required');
    if (Object.keys(missing).length) return showErrors(form, null, missing);
    try {
      await login(email, password);
      onSignedIn();
    } catch (error) {
      showErrors(form, error);
    }
  });
  mount(main, h('h1', { text: t('site.login.title') }), form);
}
