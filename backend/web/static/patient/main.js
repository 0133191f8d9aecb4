/**
 * Patient app entry: language, activation, the screen router (URL fragment), the outbox's
 * pending counter and messages, and service-worker registration.
 * @module patient/main
 */
import { h, mount, focusHeading } from '../common/dom.js';
import { setLanguage, storedLanguage, currentLanguage, t, formatDateTime } from '../common/i18n.js';
import { NetworkError, ApiError } from '../common/http.js';
import { renderAdvice, setSiteContact } from '../common/advice.js';
import { describeError } from '../common/forms.js';
import { get, loadToken, forgetToken } from './api.js';
import { getValue, setValue } from './store.js';
import { flush, onOutboxEvent, pendingEntries } from './outbox.js';
import { showActivation } from './screens/activate.js';
import { showToday, prefetchToday } from './screens/today.js';
import { showCalendar } from './screens/calendar.js';
import { showBloodPressure } from './screens/bp.js';
import { showSymptoms, loadQuestionnaire } from './screens/symptoms.js';
import { showSettings } from './screens/settings.js';

const SCREENS = {
  today: showToday,
  day: showToday,
  calendar: showCalendar,
  bp: showBloodPressure,
  symptoms: showSymptoms,
  settings: showSettings,
};
const NAV = ['today', 'calendar', 'bp', 'symptoms', 'settings'];
// A glyph above each tab's label (decorative: the label names the tab), so five tabs fit one row
// at 360 px with labels of either language.
const NAV_ICONS = { today: '☀', calendar: '▦', bp: '♥', symptoms: '✚', settings: '⚙' };

const main = document.getElementById('main');
let latestRoute = 0;
const context = {
  main,
  participant: null,
  /** Re-render the chrome and the current screen (after a language change). */
  refresh: () => {
    // Not activated yet: the activation screen is the current screen (route() shows none).
    if (!context.participant) return start();
    renderChrome();
    return route();
  },
};

/**
 * Show a dismissable message above the screen (results of entries sent in the background).
 * @param {string} text
 * @param {HTMLElement[]} [extra] e.g. advice boxes
 * @returns {HTMLElement} the message (its last child is the dismiss button)
 */
function notify(text, extra = []) {
  const box = h('div', { class: 'message' }, h('p', { text }), ...extra);
  box.append(h('button', { type: 'button', class: 'button-secondary', text: t('action.dismiss'), onclick: () => box.remove() }));
  document.getElementById('messages').append(box);
  return box;
}

async function repeatAlreadyQueued(event) {
  const sitting = event.entry.kind === 'bp' && event.response?.repeat_requested ? event.entry.body.sitting_id : null;
  if (!sitting) return false;
  return (await pendingEntries()).some((entry) => entry.kind === 'bp' && entry.body.sitting_id === sitting && entry.seq > event.entry.seq);
}

function describeEntry(entry) {
  return t(`outbox.kind.${entry.kind}`, { when: formatDateTime(entry.queued_at) });
}

onOutboxEvent((event) => {
  if (event.type === 'count') {
    document.getElementById('pending').textContent = event.count ? t('outbox.pending', { count: event.count }) : '';
  } else if (event.type === 'sent') {
    const box = notify(t('outbox.sent', { entry: describeEntry(event.entry) }));
    // A first BP reading sent late asks for a repeat the patient already took offline (the
    // repeat of the same sitting is still queued behind it): that advice would only confuse.
    repeatAlreadyQueued(event).then((queued) => {
      if (!queued) box.lastElementChild.before(...renderAdvice(event.response?.advice));
    });
  } else if (event.type === 'rejected') {
    notify(t('outbox.rejected', { entry: describeEntry(event.entry), reason: describeError(event.error, Object.values(event.error.fieldErrors)) }));
  }
});

function renderConnection() {
  document.getElementById('connection').textContent = navigator.onLine ? '' : t('connection.offline');
}

function renderChrome() {
  document.title = t('app.title');
  document.getElementById('app-title').textContent = context.participant
    ? t('app.title_with_id', { study_id: context.participant.study_id })
    : t('app.title');
  document.getElementById('skip-link').textContent = t('app.skip');
  renderConnection();
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  mount(nav, context.participant
    ? h('ul', {}, ...NAV.map((name) => h('li', {}, h('a', { href: `#${name}`, 'data-screen': name },
      h('span', { class: 'nav-icon', 'aria-hidden': 'true', text: NAV_ICONS[name] }),
      h('span', { class: 'nav-label', text: t(`nav.${name}`) })))))
    : null);
  markCurrentTab();
  pendingEntries().then((entries) => {
    document.getElementById('pending').textContent = entries.length ? t('outbox.pending', { count: entries.length }) : '';
  });
}

/** The tab of the screen in the URL carries aria-current="page" (after every route and every
 * redraw of the navigation: a refreshed /me redraws it while the screen stays). */
function markCurrentTab() {
  const [name] = (location.hash.slice(1) || 'today').split('/');
  document.querySelectorAll('#nav a').forEach((link) => {
    const current = link.dataset.screen === (name === 'day' ? 'calendar' : name);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
}

async function route() {
  if (!context.participant) return;
  const [name, param] = (location.hash.slice(1) || 'today').split('/');
  const screen = SCREENS[name] ?? showToday;
  markCurrentTab();
  // Each route renders into its own container, shown only if no later route started meanwhile:
  // a slow screen must not overwrite the one the user has moved on to.
  const view = h('div', { class: 'view' });
  const routeId = ++latestRoute;
  try {
    await screen({ ...context, main: view }, param);
    if (routeId !== latestRoute) return;
    mount(main, view);
  } catch (error) {
    if (routeId !== latestRoute) return;
    if (error instanceof ApiError && error.status === 401) return signedOut();
    mount(main, h('h1', { text: t('error.title') }), h('p', { class: 'form-error', role: 'alert', text: describeError(error) }),
      h('button', { type: 'button', text: t('action.retry'), onclick: route }));
  }
  focusHeading(main);
}

async function loadParticipant() {
  try {
    const participant = await get('/me');
    await setValue('participant', participant);
    return participant;
  } catch (error) {
    if (error instanceof NetworkError) return getValue('participant');
    throw error;
  }
}

async function signedOut() {
  if (!context.participant) return undefined; // already signed out (two answers said 401)
  context.participant = null;
  await forgetToken();
  await setValue('participant', undefined);
  return start();
}

/**
 * With a copy of /me on the phone the app starts from it and asks the server meanwhile: the
 * study id, language and the site's numbers rarely change, and are brought up to date here.
 */
async function refreshParticipant(kept) {
  let participant;
  try {
    participant = await get('/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut();
    return;
  }
  await setValue('participant', participant);
  if (JSON.stringify(participant) === JSON.stringify(kept) || !context.participant) return;
  context.participant = participant;
  setSiteContact(participant.site_contact);
  if (!storedLanguage() && participant.language !== currentLanguage()) {
    await setLanguage(participant.language);
    context.refresh();
  } else {
    renderChrome();
  }
}

async function start(languageReady = Promise.resolve()) {
  if (!(await loadToken())) {
    await languageReady;
    renderChrome();
    return showActivation(context, async (participant) => {
      await setValue('participant', participant);
      if (!storedLanguage()) await setLanguage(participant.language);
      start();
    });
  }
  const kept = await getValue('participant');
  // Today's answer is asked for now, alongside the catalogue and /me: not one after the other.
  const [screen] = location.hash.slice(1).split('/');
  if (!screen || screen === 'today' || !SCREENS[screen]) {
    prefetchToday(storedLanguage() ?? kept?.language ?? currentLanguage());
  }
  try {
    context.participant = kept ?? (await loadParticipant());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await forgetToken();
      return start();
    }
    throw error;
  }
  if (kept) refreshParticipant(kept);
  await languageReady;
  if (!storedLanguage() && context.participant?.language && context.participant.language !== currentLanguage()) {
    await setLanguage(context.participant.language);
  }
  // urgent advice on every screen offers the site's numbers as tap-to-call links
  setSiteContact(context.participant?.site_contact);
  renderChrome();
  await route();
  flush();
  // Keep the questionnaire on the phone, so symptoms can be reported offline later.
  loadQuestionnaire(context.participant.language).catch(() => null);
}

async function boot() {
  // The catalogue is fetched in parallel with the API calls start() makes.
  const kept = await getValue('participant').catch(() => undefined);
  const languageReady = setLanguage(storedLanguage() ?? kept?.language ?? 'zh-CN');
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => {
    renderConnection();
    flush();
  });
  window.addEventListener('offline', renderConnection);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && context.participant) flush();
  });
  try {
    await start(languageReady);
  } finally {
    // Only once the screen is drawn: on a first visit the worker's download of the whole app
    // shell would otherwise share the weak link with what the screen is waiting for.
    if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js', { scope: '/' });
  }
}

boot();
