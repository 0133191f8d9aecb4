/**
 * Texts and date formats in the user's language. Catalogues are flat JSON maps under
 * /app/i18n/<language>.json with the same keys in every language; `{name}` marks a placeholder.
 * @module common/i18n
 */

export const LANGUAGES = ['zh-CN', 'en'];
const STORAGE_KEY = 'dosing-diary.language';

let language = 'zh-CN';
let texts = {};

/**
 * The language chosen on this device, if any.
 * @returns {string|null}
 */
export function storedLanguage() {
  const value = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.includes(value) ? value : null;
}

/**
 * Load a language's catalogue and make it current; sets `<html lang>`.
 * @param {string} wanted a language tag; anything unsupported falls back to zh-CN
 * @param {{remember?: boolean}} [options] remember: store the choice on this device
 * @returns {Promise<void>}
 */
export async function setLanguage(wanted, { remember = false } = {}) {
  const next = LANGUAGES.includes(wanted) ? wanted : 'zh-CN';
  const response = await fetch(`/app/i18n/${next}.json`);
  texts = await response.json();
  language = next;
  document.documentElement.lang = next;
  if (remember) localStorage.setItem(STORAGE_KEY, next);
}

/**
 * The current language tag.
 * @returns {string}
 */
export function currentLanguage() {
  return language;
}

/**
 * The text for `key` with placeholders filled in; the key itself if missing (a test keeps the
 * catalogues complete, so this shows up in screenshots rather than failing silently). A null or
 * undefined value is never printed as such.
 * @param {string} key
 * @param {Object<string, string|number>} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  const template = texts[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => {
    if (!(name in values)) return match;
    const value = values[name];
    if (value === null || value === undefined) {
      // Never read "第 null 天" to anyone: leave the gap and make it loud (browser tests fail on
      // console errors), so the screen that passed it gets fixed.
      console.error(`i18n: ${key} got ${name}=${value}`);
      return '';
    }
    return String(value);
  });
}

/**
 * Whether the current catalogue has a text for `key` (for optional texts, e.g. per error reason).
 * @param {string} key
 * @returns {boolean}
 */
export function hasText(key) {
  return Object.hasOwn(texts, key);
}

/**
 * A calendar date ("2026-11-24") in the current language, e.g. "Tue 24 Nov" / "11月24日周二".
 * @param {string} isoDate
 * @param {Intl.DateTimeFormatOptions} [options]
 * @returns {string}
 */
export function formatDate(isoDate, options = { weekday: 'short', day: 'numeric', month: 'short' }) {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Intl.DateTimeFormat(language, options).format(new Date(year, month - 1, day));
}

/**
 * An instant (ISO 8601 string) as local date and time in the current language.
 * @param {string} isoInstant
 * @param {Intl.DateTimeFormatOptions} [options]
 * @returns {string}
 */
export function formatDateTime(isoInstant, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  return new Intl.DateTimeFormat(language, options).format(new Date(isoInstant));
}

/**
 * An instant's time of day ("08:05") in the current language.
 * @param {string} isoInstant
 * @returns {string}
 */
export function formatTime(isoInstant) {
  return formatDateTime(isoInstant, { timeStyle: 'short' });
}

/**
 * Short phrases joined with the language's list separator ("a, b" / "a，b").
 * @param {string[]} parts
 * @returns {string}
 */
export function formatList(parts) {
  return parts.join(t('list.separator'));
}
