/**
 * Showing structured values from the API (alert evidence, audit before/after) as readable
 * nested definition lists, never as raw JSON or markup.
 * @module site/values
 */
import { h } from '../common/dom.js';

const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

/**
 * Render any JSON value: objects as definition lists, arrays as lists, scalars as text.
 * @param {*} value
 * @param {function(string): string} [formatInstant] used for ISO 8601 instants
 * @returns {Node}
 */
export function renderValue(value, formatInstant = (text) => text) {
  if (Array.isArray(value)) {
    return value.length ? h('ul', { class: 'value-list' }, ...value.map((item) => h('li', {}, renderValue(item, formatInstant)))) : document.createTextNode('—');
  }
  if (value && typeof value === 'object') {
    return h('dl', { class: 'value-map' }, ...Object.entries(value).map(([key, item]) =>
      h('div', {}, h('dt', { text: key }), h('dd', {}, renderValue(item, formatInstant)))));
  }
  if (value === null || value === undefined || value === '') return document.createTextNode('—');
  const text = String(value);
  return document.createTextNode(INSTANT.test(text) ? formatInstant(text) : text);
}
