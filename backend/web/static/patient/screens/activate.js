/**
 * Activation: the patient enters the one-time code from the study site; the device token that
 * comes back identifies this phone from then on.
 * @module patient/screens/activate
 */
import { h, mount, focusHeading } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { field, showErrors, clearErrors } from '../../common/forms.js';
import { activate } from '../api.js';
import { languageSwitch } from './settings.js';

/**
 * Show the activation form.
 * @param {{main: HTMLElement, refresh: function(): void}} context
 * @param {function(Object): void} onActivated called with the participant
 */
export function showActivation(context, onActivated) {
  const code = h('input', { name: 'code', autocomplete: 'one-time-code', autocapitalize: 'characters', spellcheck: 'false', required: true });
  // the QR code on the site's printed activation card opens /?code=...: the code is filled in
  code.value = new URLSearchParams(location.search).get('code') ?? '';
  const label = h('input', { name: 'device_label', value: guessDeviceLabel(), maxlength: 80 });
  const form = h('form', { id: 'activate-form', novalidate: true },
    field(t('activate.code'), code, t('activate.code_hint')),
    field(t('activate.device_label'), label, t('activate.device_label_hint')),
    h('button', { type: 'submit', class: 'button-primary', text: t('activate.submit') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = code.value.trim();
    if (!value) return showErrors(form, null, { code: t('validation.required') });
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      onActivated(await activate(value, label.value.trim() || guessDeviceLabel()));
    } catch (error) {
      showErrors(form, error);
      button.disabled = false;
    }
  });
  mount(context.main,
    h('h1', { text: t('activate.title') }),
    h('p', { text: t('activate.intro') }),
    form,
    languageSwitch(context));
  focusHeading(context.main);
}

function guessDeviceLabel() {
  const platform = navigator.userAgentData?.platform || navigator.platform || '';
  return platform ? `${platform} ${t('activate.phone')}` : t('activate.phone');
}
