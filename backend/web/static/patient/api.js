/**
 * The patient device's calls to /api/v1 (reads; writes go through the outbox). The device token
 * comes from activation and is kept in IndexedDB.
 * @module patient/api
 */
import { requestJson } from '../common/http.js';
import { getValue, setValue } from './store.js';

const TOKEN_KEY = 'device_token';
let token = null;

/**
 * Load the stored device token, if this phone was activated.
 * @returns {Promise<boolean>} whether a token is present
 */
export async function loadToken() {
  token = (await getValue(TOKEN_KEY)) ?? null;
  return token !== null;
}

/**
 * Forget the device token (this phone must be activated again).
 * @returns {Promise<void>}
 */
export async function forgetToken() {
  token = null;
  await setValue(TOKEN_KEY, undefined);
}

/**
 * Activate this phone with the code the site gave; stores the device token.
 * POST /api/v1/device/activate {code, device_label} -> {device_token, participant}
 * @param {string} code
 * @param {string} deviceLabel
 * @returns {Promise<Object>} the participant
 */
export async function activate(code, deviceLabel) {
  const answer = await requestJson('POST', '/api/v1/device/activate', { body: { code, device_label: deviceLabel } });
  token = answer.device_token;
  await setValue(TOKEN_KEY, token);
  return answer.participant;
}

/**
 * An authenticated request as this device.
 * @param {string} method
 * @param {string} path absolute path, e.g. "/api/v1/me/today"
 * @param {*} [body]
 * @param {string} [deviceTime] when the entry was captured (ISO 8601 with offset; default now)
 * @returns {Promise<*>}
 */
export function call(method, path, body, deviceTime) {
  return requestJson(method, path, { token, body, deviceTime });
}

/**
 * GET an /api/v1/me resource.
 * @param {string} path e.g. "/me/today" or "/me/calendar?from=...&to=..."
 * @returns {Promise<*>}
 */
export function get(path) {
  return call('GET', `/api/v1${path}`);
}
