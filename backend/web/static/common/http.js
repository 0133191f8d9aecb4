/**
 * JSON over fetch with the API's error shape (flask-smorest: `{code, status, message, errors}`).
 * @module common/http
 */
import { isoInstant } from './dates.js';

/** The request never reached the server or no answer came back (offline, DNS, reset). */
export class NetworkError extends Error {}

/** The server answered with a non-2xx status; `body` is its JSON error (or null). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {?Object} body
   */
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }

  /**
   * Field messages flattened to `{field: "message"}`; flask-smorest nests them under the
   * request location (`json`, `query`, ...), which the user does not care about.
   * @returns {Object<string, string>}
   */
  get fieldErrors() {
    const errors = this.body?.errors ?? {};
    const locations = ['json', 'query', 'path', 'form', 'headers'];
    const flat = {};
    for (const [key, value] of Object.entries(errors)) {
      if (locations.includes(key) && value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [field, messages] of Object.entries(value)) flat[field] = messageText(messages);
      } else {
        flat[key] = messageText(value);
      }
    }
    return flat;
  }
}

function messageText(messages) {
  if (Array.isArray(messages)) return messages.map(messageText).join(' ');
  if (messages && typeof messages === 'object') return Object.values(messages).map(messageText).join(' ');
  return String(messages);
}

function phoneTimezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/**
 * Send one request and parse its JSON answer. Every write carries `X-Device-Time`, the phone's
 * clock when the entry was made (ALCOA+: the server stores it next to its own time): `deviceTime`
 * for an entry captured earlier (queued offline), else now.
 * @param {string} method
 * @param {string} url
 * @param {{token?: string, body?: *, deviceTime?: string, language?: string}} [options] `deviceTime` ISO 8601
 *   with offset; `language` is sent as Accept-Language (texts the server writes, such as alert
 *   evidence, come back in the reader's language)
 * @returns {Promise<*>} the parsed body (null for an empty answer)
 * @throws {NetworkError|ApiError}
 */
export async function requestJson(method, url, { token, body, deviceTime, language } = {}) {
  const headers = { Accept: 'application/json' };
  if (language) headers['Accept-Language'] = language;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-Device-Time'] = deviceTime ?? isoInstant(new Date());
  // The phone's IANA zone on every request: the server asks once when it differs from the diary's.
  const zone = phoneTimezone();
  if (zone) headers['X-Device-Timezone'] = zone;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}
