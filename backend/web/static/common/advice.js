/**
 * Advice boxes for advice objects from the API (`{code, level, text}`, text already in the
 * reader's language). Urgent advice is a red alert box, announced immediately.
 * @module common/advice
 */
import { h } from './dom.js';
import { t } from './i18n.js';

const ORDER = ['urgent', 'review', 'info', 'ok'];

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
    );
  });
}
