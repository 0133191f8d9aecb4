/**
 * The dashboard's addresses. Every alert, participant and day has one, so a link in an e-mail,
 * a bookmark or a colleague's message opens exactly that record:
 *   #alerts/<alert id>                     one alert (the link in every alert e-mail)
 *   #alerts?status=…&severity=…&participant=…&rule=…   the queue with its filters
 *   #participant/<id>                      a participant's page
 *   #participant/<id>/day/<YYYY-MM-DD>     one day of a participant's diary
 *   #overview?q=…&sort=…                   the site overview (home)
 *   #metrics?from=YYYY-MM-DD&to=YYYY-MM-DD  response times for alerts opened in that period
 * @module site/route
 */

const ALERT_ID = /^[0-9a-f]{32}$/;

/**
 * Split the current fragment into the view name, its path parts and its query.
 * @param {string} [hash] defaults to location.hash
 * @returns {{view: string, parts: string[], query: URLSearchParams}}
 */
export function parseRoute(hash = location.hash) {
  const raw = hash.replace(/^#/, '');
  const [path, search = ''] = raw.split('?');
  const [view = '', ...parts] = path.split('/').map((part) => decodeURIComponent(part));
  return { view: view || 'overview', parts: parts.filter(Boolean), query: new URLSearchParams(search) };
}

/**
 * A fragment for a view, its parts and query (empty query values are left out).
 * @param {string} view
 * @param {string[]} [parts]
 * @param {Object<string, string>} [query]
 * @returns {string}
 */
export function routeHash(view, parts = [], query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value));
  const path = [view, ...parts.map(encodeURIComponent)].join('/');
  return `#${path}${search.toString() ? `?${search}` : ''}`;
}

/**
 * True when a path part is an alert id (32 hex digits), not a filter.
 * @param {string} part
 * @returns {boolean}
 */
export function isAlertId(part) {
  return ALERT_ID.test(part ?? '');
}

/** @param {string} id @returns {string} */
export const alertLink = (id) => routeHash('alerts', [id]);
/** @param {string} id @returns {string} */
export const participantLink = (id) => routeHash('participant', [id]);
/** @param {string} id @param {string} date YYYY-MM-DD @returns {string} */
export const dayLink = (id, date) => routeHash('participant', [id, 'day', date]);
/** @param {string} id @returns {string} the queue filtered to one participant, not resolved */
export const alertsForParticipant = (id) => routeHash('alerts', [], { participant: id });
