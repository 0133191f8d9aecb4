/**
 * The stuck-deliverer warning at the top of every dashboard screen: when a due notice (an alert
 * e-mail, a staff push, a reminder) has waited more than two minutes, the deliverer is not
 * keeping up and urgent alerts may not reach the team's phones, so the coordinator is told to
 * watch the queue here and to call the administrator. The same check as /readyz's
 * `deliveries`, read through GET /api/v1/deliveries/status (signed-in staff). A warning is
 * information, not an action; if the check itself fails the screen is shown without it.
 * @module site/delivery-warning
 */
import { h } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { call } from './api.js';
import { duration } from './response-metrics.js';

/**
 * The warning banner, or null when deliveries keep up (or the status could not be read).
 * @returns {Promise<?HTMLElement>}
 */
export async function deliveryWarning() {
  let status;
  try {
    status = await call('GET', '/deliveries/status');
  } catch {
    return null;
  }
  if (!status.stuck) return null;
  return h('div', { class: 'delivery-warning', role: 'alert' },
    h('p', {}, h('strong', { text: `⚠ ${t('site.stuck.title')}` })),
    h('p', { text: t('site.stuck.detail', {
      waited: duration(status.oldest_due_wait_seconds / 60),
      limit: duration(status.max_wait_seconds / 60),
      count: status.waiting,
    }) }),
    h('p', { text: t('site.stuck.advice') }));
}
