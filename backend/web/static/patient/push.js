/**
 * Web Push opt-in and opt-out for this phone (reminders; the payload carries no health data).
 * @module patient/push
 */
import { ApiError } from '../common/http.js';
import { call, get } from './api.js';

/**
 * Whether this browser can receive web push at all.
 * @returns {boolean}
 */
export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/**
 * The current subscription of this phone, if any.
 * @returns {Promise<?PushSubscription>}
 */
export async function currentSubscription() {
  // getRegistration, not `ready`: `ready` never settles where the worker could not be installed.
  const registration = await navigator.serviceWorker.getRegistration('/');
  return registration ? registration.pushManager.getSubscription() : null;
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/**
 * Ask for permission, subscribe with the server's VAPID key and register the subscription.
 * GET /api/v1/push/vapid-public-key -> {public_key}; POST /api/v1/me/push-subscriptions
 * A 409 means this browser's endpoint is registered to another account (the server never moves
 * it): drop the local subscription and register a fresh endpoint, once.
 * @returns {Promise<boolean>} false when the user refused notifications
 */
export async function enablePush() {
  if ((await Notification.requestPermission()) !== 'granted') return false;
  const { public_key: publicKey } = await get('/push/vapid-public-key');
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const registration = await navigator.serviceWorker.ready;
  const options = { userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) };
  let subscription = await registration.pushManager.subscribe(options);
  try {
    await call('POST', '/api/v1/me/push-subscriptions', subscription.toJSON());
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
    await subscription.unsubscribe();
    subscription = await registration.pushManager.subscribe(options);
    await call('POST', '/api/v1/me/push-subscriptions', subscription.toJSON());
  }
  return true;
}

/**
 * Unregister this phone's subscription on the server, then unsubscribe locally.
 * DELETE /api/v1/me/push-subscriptions with the subscription JSON
 * @returns {Promise<void>}
 */
export async function disablePush() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await call('DELETE', '/api/v1/me/push-subscriptions', subscription.toJSON());
  await subscription.unsubscribe();
}
