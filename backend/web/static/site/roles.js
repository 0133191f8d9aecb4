/**
 * What the signed-in role may do, so each role sees only the controls it can use (the server
 * still decides: this only keeps forms it would refuse off the screen). Mirrors
 * backend/services/scope.py: coordinators and investigators act on their site's alerts and
 * diaries; only investigators order holds, dose changes and discontinuation; monitors read.
 * @module site/roles
 */
import { session } from './api.js';

const ABILITIES = {
  coordinator: ['alerts.act', 'site.enter', 'site.settings'],
  investigator: ['alerts.act', 'site.enter', 'site.order', 'site.settings'],
  monitor: [],
  admin: ['site.settings'],
};

/**
 * May the current user do `ability`?
 *  - `alerts.act`: acknowledge and resolve alerts;
 *  - `site.enter`: confirm cycles, enter doses, issue activation codes, edit reminders;
 *  - `site.order`: investigator-only orders (holds, dose changes, discontinuation);
 *  - `site.settings`: the site's day and night phone numbers (admins too).
 * @param {string} ability
 * @returns {boolean}
 */
export function can(ability) {
  const role = session()?.user?.role;
  return (ABILITIES[role] ?? []).includes(ability);
}
