/**
 * Settings: language (stored on this phone), reminders by push notification, and the entries
 * still waiting to be sent.
 * @module patient/screens/settings
 */
import { h, mount } from '../../common/dom.js';
import { t, currentLanguage, setLanguage, LANGUAGES, formatDateTime } from '../../common/i18n.js';
import { describeError } from '../../common/forms.js';
import { pushSupported, currentSubscription, enablePush, disablePush } from '../push.js';
import { pendingEntries, flush, onOutboxEvent } from '../outbox.js';

const LANGUAGE_NAMES = { 'zh-CN': '中文（简体）', en: 'English' };

/**
 * The language choice as a radio group; switching re-renders the app.
 * @param {{refresh: function(): void}} context
 * @returns {HTMLFieldSetElement}
 */
export function languageSwitch(context) {
  const group = h('fieldset', { class: 'language-switch' },
    h('legend', { text: t('settings.language') }),
    h('div', { class: 'choices' }, ...LANGUAGES.map((code) =>
      h('label', { class: 'choice', lang: code },
        h('input', { type: 'radio', name: 'language', value: code, checked: code === currentLanguage() }),
        h('span', { text: LANGUAGE_NAMES[code] })))));
  group.addEventListener('change', async (event) => {
    await setLanguage(event.target.value, { remember: true });
    context.refresh();
  });
  return group;
}

async function pushSection() {
  const status = h('p', { role: 'status' });
  const section = h('section', { 'aria-labelledby': 'push-heading' }, h('h2', { id: 'push-heading', text: t('settings.push') }), status);
  if (!pushSupported()) {
    status.textContent = t('push.unsupported');
    return section;
  }
  const render = async () => {
    const subscribed = Boolean(await currentSubscription());
    status.textContent = Notification.permission === 'denied' ? t('push.denied') : subscribed ? t('push.on') : t('push.off');
    const button = h('button', { type: 'button', class: subscribed ? 'button-secondary' : 'button-primary', text: subscribed ? t('push.disable') : t('push.enable') });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        if (subscribed) await disablePush();
        else if (!(await enablePush())) status.textContent = t('push.denied');
        await render();
      } catch (error) {
        status.textContent = describeError(error);
        button.disabled = false;
      }
    });
    section.querySelector('button')?.remove();
    if (Notification.permission !== 'denied') section.append(button);
  };
  await render();
  return section;
}

/**
 * The entries still waiting to be sent. The list follows the outbox: after a pass in the
 * background (back online, app brought to the front) it shows what is left, so an entry that has
 * gone is never offered with "Send now" again.
 * @returns {HTMLElement}
 */
function pendingSection() {
  const body = h('div', { class: 'pending-body' });
  const section = h('section', { 'aria-labelledby': 'pending-heading' }, h('h2', { id: 'pending-heading', text: t('settings.pending') }), body);
  const render = async () => {
    const entries = await pendingEntries();
    const list = entries.length
      ? h('ul', {}, ...entries.map((entry) => h('li', { text: t(`outbox.kind.${entry.kind}`, { when: formatDateTime(entry.queued_at) }) })))
      : h('p', { text: t('settings.nothing_pending') });
    const send = h('button', { type: 'button', class: 'button-secondary', text: t('settings.send_now') });
    send.addEventListener('click', () => {
      send.disabled = true;
      flush();
    });
    mount(body, list, entries.length ? send : null);
  };
  // Listen until the screen is left (the section was on the page and is no longer).
  let seen = false;
  const stop = onOutboxEvent((event) => {
    if (section.isConnected) seen = true;
    else if (seen) return stop();
    if (event.type === 'count') render();
  });
  render();
  return section;
}

/**
 * Render the settings screen.
 * @param {{main: HTMLElement, participant: Object, refresh: function(): void}} context
 * @returns {Promise<void>}
 */
export async function showSettings(context) {
  mount(context.main,
    h('h1', { text: t('settings.title') }),
    h('p', { text: t('settings.study_id', { study_id: context.participant.study_id }) }),
    languageSwitch(context),
    await pushSection(),
    pendingSection());
}
