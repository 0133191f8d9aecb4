/**
 * Advice boxes for advice objects from the API (`{code, level, text}`, text already in the
 * reader's language). Urgent advice is a red alert box, announced immediately.
 * @module common/advice
 */
import { h } from './dom.js';
import { t } from './i18n.js';

const ORDER = ['urgent', 'review', 'info', 'ok'];
let siteContact = null;

/**
 * The study site's numbers (`{phone_day, phone_night}`, E.164) for every urgent or important
 * advice box that has none of its own (the patient app sets them from `GET /me`).
 * @param {?Object} contact
 */
export function setSiteContact(contact) {
  siteContact = contact ?? null;
}

/**
 * The advice objects of a response field, most urgent first (the field may be one object, a
 * list, or null).
 * @param {?(Object|Object[])} advice
 * @returns {Object[]}
 */
export function adviceList(advice) {
  const list = Array.isArray(advice) ? advice : advice ? [advice] : [];
  return [...list].sort((a, b) => ORDER.indexOf(a.level) - ORDER.indexOf(b.level));
}

/**
 * Tap-to-call links to the study site for advice that asks the patient to contact the team
 * (`item.contact`: `{phone_day, phone_night}`, E.164 numbers, as the site recorded them).
 * @param {{level: string, contact?: ?Object}} item
 * @returns {HTMLElement[]}
 */
function callLinks(item) {
  const contact = item.contact ?? siteContact;
  if (!contact || !['urgent', 'review'].includes(item.level)) return [];
  const links = [['phone_day', 'advice.call_day'], ['phone_night', 'advice.call_night']]
    .filter(([field]) => contact[field])
    .map(([field, key]) => h('a', { class: 'call-link button-link', href: `tel:${contact[field]}`, text: t(key, { number: contact[field] }) }));
  return links.length ? [h('p', { class: 'call-links' }, ...links)] : [];
}

/**
 * One box per advice object.
 * @param {?(Object|Object[])} advice
 * @returns {HTMLElement[]}
 */
export function renderAdvice(advice) {
  return adviceList(advice).map((item) => {
    const level = ORDER.includes(item.level) ? item.level : 'info';
    return h(
      'div',
      { class: `advice advice-${level}`, role: level === 'urgent' ? 'alert' : null, 'data-code': item.code },
      h('p', { class: 'advice-level', text: t(`advice.level.${level}`) }),
      h('p', { class: 'advice-text', text: item.text }),
      ...callLinks(item),
    );
  });
}
