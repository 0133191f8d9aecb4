/**
 * The outbox: every write (dose entry, BP reading, symptom report) is stored on the phone first
 * and sent in order, each exactly once. An entry leaves the queue after a 2xx answer, or after a
 * 4xx that rejects it as invalid (the user is told); on a network error, 401, 408, 429 or 5xx it
 * stays and sending stops there, so later entries never overtake it. Sending again after a lost
 * answer is safe: dose entries are PUT by date and the others carry their `client_id`. Each entry
 * keeps the phone's time of capture (`queued_at`) and is sent with it as `X-Device-Time`, however
 * late it syncs.
 * @module patient/outbox
 */
import { ApiError } from '../common/http.js';
import { isoInstant } from '../common/dates.js';
import { call } from './api.js';
import { deleteOutboxEntry, getValue, outboxEntries, putOutboxEntry, setValue } from './store.js';

const RETRYABLE = [401, 408, 429];
const listeners = new Set();
const outcomes = new Map();
const awaited = new Set();
let chain = Promise.resolve();

/**
 * Listen to the outbox: `{type: "count", count}` after every pass, and `{type: "sent"|"rejected",
 * entry, response|error}` for entries sent in the background (not awaited by `submit`).
 * @param {function(Object): void} listener
 * @returns {function(): void} stops listening (a screen that is gone must not be re-rendered)
 */
export function onOutboxEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event) {
  listeners.forEach((listener) => listener(event));
}

function isRejection(error) {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && !RETRYABLE.includes(error.status);
}

async function sendQueued() {
  for (const entry of await outboxEntries()) {
    let outcome;
    try {
      outcome = { state: 'sent', response: await call(entry.method, entry.path, entry.body, entry.queued_at) };
    } catch (error) {
      outcome = { state: isRejection(error) ? 'rejected' : 'queued', error };
    }
    if (awaited.has(entry.seq)) outcomes.set(entry.seq, outcome);
    if (outcome.state === 'queued') break;
    await deleteOutboxEntry(entry.id, entry.seq);
    if (!awaited.has(entry.seq)) emit({ type: outcome.state, entry, ...outcome });
  }
  emit({ type: 'count', count: (await outboxEntries()).length });
}

/**
 * Send everything queued, in order. Passes run one after another (and one at a time across
 * tabs, with the Web Locks API where the browser has it).
 * @returns {Promise<void>} settles when this pass is over
 */
export function flush() {
  const pass = () => (navigator.locks ? navigator.locks.request('dosing-diary-outbox', sendQueued) : sendQueued());
  chain = chain.then(pass, pass);
  return chain;
}

/**
 * Queue a write and try to send it now.
 * @param {{id: string, kind: string, method: string, path: string, body: Object}} write
 *   `id` is "dose:<date>" (a newer entry for the same date replaces a waiting one) or
 *   "<kind>:<client_id>"
 * @returns {Promise<{state: "sent"|"rejected"|"queued", response?: *, error?: Error}>}
 */
export async function submit(write) {
  const entry = { ...write, seq: performance.timeOrigin + performance.now(), queued_at: isoInstant(new Date()) };
  awaited.add(entry.seq);
  try {
    // An entry can change today's instruction: the copy kept on the phone is no longer shown as
    // current while the app asks the server (it stays for offline use).
    const copy = await getValue('today');
    if (copy) await setValue('today', { ...copy, stale: true });
    await putOutboxEntry(entry);
    await flush();
    return outcomes.get(entry.seq) ?? { state: 'queued' };
  } finally {
    awaited.delete(entry.seq);
    outcomes.delete(entry.seq);
  }
}

/**
 * The entries still waiting, oldest first.
 * @returns {Promise<Object[]>}
 */
export function pendingEntries() {
  return outboxEntries();
}
