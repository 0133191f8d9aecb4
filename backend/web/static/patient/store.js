/**
 * This phone's persistent state in IndexedDB: a small key-value store (device token,
 * participant) and the outbox of writes waiting to be sent.
 * @module patient/store
 */

const DB_NAME = 'dosing-diary';
const DB_VERSION = 1;
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('kv');
      request.result.createObjectStore('outbox', { keyPath: 'id' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

async function run(storeName, mode, operation) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(storeName, mode);
    const request = operation(transaction.objectStore(storeName));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

/**
 * Read a value of the key-value store.
 * @param {string} key
 * @returns {Promise<*>} undefined when absent
 */
export function getValue(key) {
  return run('kv', 'readonly', (store) => store.get(key));
}

/**
 * Write (or, with `undefined`, delete) a value of the key-value store.
 * @param {string} key
 * @param {*} value
 * @returns {Promise<void>}
 */
export function setValue(key, value) {
  return run('kv', 'readwrite', (store) => (value === undefined ? store.delete(key) : store.put(value, key)));
}

/**
 * Every outbox entry, oldest first.
 * @returns {Promise<Object[]>}
 */
export async function outboxEntries() {
  const entries = await run('outbox', 'readonly', (store) => store.getAll());
  return entries.sort((a, b) => a.seq - b.seq);
}

/**
 * Add or replace an outbox entry (same `id` replaces: dose entries are keyed by date).
 * @param {Object} entry must have `id` and `seq`
 * @returns {Promise<void>}
 */
export function putOutboxEntry(entry) {
  return run('outbox', 'readwrite', (store) => store.put(entry));
}

/**
 * Remove an outbox entry, unless it was replaced meanwhile (a newer entry with the same `id`
 * but another `seq` is still waiting and must stay).
 * @param {string} id
 * @param {number} seq
 * @returns {Promise<void>}
 */
export function deleteOutboxEntry(id, seq) {
  return run('outbox', 'readwrite', (store) => {
    const request = store.get(id);
    request.onsuccess = () => {
      if (request.result?.seq === seq) store.delete(id);
    };
    return request;
  });
}
