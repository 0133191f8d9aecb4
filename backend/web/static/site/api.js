/**
 * The dashboard's calls to /api/v1 as a staff user. The access token lives in sessionStorage
 * (gone when the tab closes) and is dropped when it expires or the server answers 401.
 * @module site/api
 */
import { requestJson, ApiError } from '../common/http.js';
import { currentLanguage } from '../common/i18n.js';

const SESSION_KEY = 'dosing-diary.staff-session';
const listeners = new Set();

/**
 * The signed-in session `{access_token, expires_at, user}`, or null.
 * @returns {?Object}
 */
export function session() {
  const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  if (stored && Date.parse(stored.expires_at) <= Date.now()) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
  return stored;
}

/**
 * Be told when the session ends (logout, expiry, 401).
 * @param {function(): void} listener
 */
export function onSignedOut(listener) {
  listeners.add(listener);
}

/**
 * Sign in. POST /api/v1/auth/login {email, password} -> {access_token, expires_at, user}
 * @param {string} email
 * @param {string} password
 * @returns {Promise<Object>} the session
 */
export async function login(email, password) {
  const answer = await requestJson('POST', '/api/v1/auth/login', { body: { email, password } });
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(answer));
  return answer;
}

/**
 * Sign out on the server (best effort) and here.
 * @returns {Promise<void>}
 */
export async function logout() {
  const current = session();
  sessionStorage.removeItem(SESSION_KEY);
  try {
    if (current) await requestJson('POST', '/api/v1/auth/logout', { token: current.access_token });
  } finally {
    listeners.forEach((listener) => listener());
  }
}

/**
 * An authenticated request; a 401 ends the session.
 * @param {string} method
 * @param {string} path below /api/v1, e.g. "/alerts?status=open"
 * @param {*} [body]
 * @returns {Promise<*>}
 */
export async function call(method, path, body) {
  try {
    return await requestJson(method, `/api/v1${path}`, { token: session()?.access_token, body, language: currentLanguage() });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(SESSION_KEY);
      listeners.forEach((listener) => listener());
    }
    throw error;
  }
}
