/**
 * Lists the API pages with `limit`/`cursor` (keyset: a page starts after the last row of the one
 * before, so rows added or resolved meanwhile never repeat or hide one): read a page with its
 * X-Next-Cursor, and a "load more" button that appends the next page below the rows already on
 * screen (nothing above the button moves).
 * @module site/paging
 */
import { h } from '../common/dom.js';
import { t, currentLanguage } from '../common/i18n.js';
import { describeError } from '../common/forms.js';
import { call, session } from './api.js';

/**
 * One page of a list: its rows and the cursor of the next page (null on the last).
 * @param {string} path below /api/v1, with `limit` (and `cursor`) in its query
 * @returns {Promise<{rows: Object[], next: ?string}>}
 */
export async function callPage(path) {
  let response = null;
  try {
    response = await fetch(`/api/v1${path}`, {
      headers: { Accept: 'application/json', 'Accept-Language': currentLanguage(), Authorization: `Bearer ${session()?.access_token}` },
    });
  } catch {
    response = null;
  }
  // Anything but a page (offline, 401, 4xx): the ordinary call says what went wrong and ends an
  // expired session, as every other request of the dashboard does.
  if (!response?.ok) return { rows: await call('GET', path), next: null };
  return { rows: await response.json(), next: response.headers.get('X-Next-Cursor') };
}

/**
 * A "load more" button for a paged list.
 * @param {string} path the first page's path (its query has `limit`)
 * @param {?string} next the cursor after the first page (null: no button)
 * @param {function(Object[]): HTMLElement[]} append puts a page's new rows at the end of the list
 *   and returns the elements it added
 * @param {string} label the button's text
 * @returns {?HTMLElement}
 */
export function loadMore(path, next, append, label) {
  if (!next) return null;
  let cursor = next;
  const status = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'button', class: 'button-secondary load-more', text: label });
  const holder = h('div', { class: 'pager' }, button, status);
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.hidden = true;
    try {
      const separator = path.includes('?') ? '&' : '?';
      const page = await callPage(`${path}${separator}cursor=${encodeURIComponent(cursor)}`);
      const added = append(page.rows);
      // keyboard and screen-reader users continue at the first new row
      const first = added[0]?.querySelector('h2, h3, a');
      if (first) {
        if (!first.matches('a')) first.setAttribute('tabindex', '-1');
        first.focus({ preventScroll: true });
      }
      cursor = page.next;
      if (!cursor) holder.replaceChildren(h('p', { class: 'hint', text: t('site.paging.all_shown') }));
    } catch (error) {
      status.textContent = describeError(error);
      status.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return holder;
}
