/**
 * Dashboard entry: sign-in, the header (user, language, sign-out) and the view router
 * (#alerts, #participants, #participant/<id>, #metrics), and the stuck-deliverer warning above
 * every screen.
 * @module site/main
 */
import { h, mount, focusHeading } from '../common/dom.js';
import { setLanguage, storedLanguage, t, currentLanguage, LANGUAGES } from '../common/i18n.js';
import { describeError } from '../common/forms.js';
import { session, logout, onSignedOut } from './api.js';
import { showLogin } from './screens/login.js';
import { showAlerts } from './screens/alerts.js';
import { showParticipants } from './screens/participants.js';
import { showParticipant } from './screens/participant.js';
import { showExports } from './exports.js';
import { showSignOff } from './signoff.js';
import { showQueries } from './queries.js';
import { parseRoute } from './route.js';
import { showOverview } from './screens/overview.js';
import { showMetrics } from './response-metrics.js';
import { deliveryWarning } from './delivery-warning.js';

// view name -> (container, route) => Promise; see route.js for the addresses
const VIEWS = {
  overview: showOverview,
  alerts: showAlerts,
  participants: (view, route) => showParticipants(view, route.parts[0]),
  participant: (view, route) => showParticipant(view, route.parts[0], route.parts[1] === 'day' ? route.parts[2] : null),
  exports: (view, route) => showExports(view, route.parts[0]),
  signoff: (view) => showSignOff(view),
  queries: (view) => showQueries(view),
  metrics: showMetrics,
};
const main = document.getElementById('main');
let latestRender = 0;

function renderHeader() {
  document.title = t('site.title');
  document.getElementById('skip-link').textContent = t('app.skip');
  const current = session();
  const language = h('select', { id: 'site-language', 'aria-label': t('settings.language') },
    ...LANGUAGES.map((code) => h('option', { value: code, text: code === 'en' ? 'English' : '中文' })));
  language.value = currentLanguage();
  language.addEventListener('change', async () => {
    await setLanguage(language.value, { remember: true });
    render();
  });
  mount(document.getElementById('header'),
    h('p', { class: 'site-title', text: t('site.title') }),
    current
      ? h('nav', { 'aria-label': t('nav.label') }, h('ul', {},
        h('li', {}, h('a', { href: '#overview', 'data-view': 'overview', text: t('site.nav.overview') })),
        h('li', {}, h('a', { href: '#alerts', 'data-view': 'alerts', text: t('site.nav.alerts') })),
        h('li', {}, h('a', { href: '#metrics', 'data-view': 'metrics', text: t('site.nav.metrics') })),
        h('li', {}, h('a', { href: '#participants', 'data-view': 'participants', text: t('site.nav.participants') })),
        h('li', {}, h('a', { href: '#signoff', 'data-view': 'signoff', text: t('site.nav.signoff') })),
        h('li', {}, h('a', { href: '#queries', 'data-view': 'queries', text: t('site.nav.queries') })),
        h('li', {}, h('a', { href: '#exports', 'data-view': 'exports', text: t('site.nav.exports') }))))
      : null,
    h('div', { class: 'header-tools' },
      current ? h('span', { text: t('site.signed_in_as', { name: current.user.name, role: t(`site.role.${current.user.role}`) }) }) : null,
      language,
      current ? h('button', { type: 'button', class: 'button-secondary', text: t('site.logout'), onclick: () => logout() }) : null));
}

async function render() {
  renderHeader();
  if (!session()) {
    latestRender += 1;
    return showLogin(main, () => {
      // Setting the fragment renders through the hashchange listener; otherwise render here.
      if (location.hash) render();
      else location.hash = '#overview';
    });
  }
  const route = parseRoute();
  const name = VIEWS[route.view] ? route.view : 'overview';
  document.querySelectorAll('[data-view]').forEach((link) => {
    if (link.dataset.view === (name === 'participant' ? 'participants' : name)) link.setAttribute('aria-current', 'page');
  });
  // Render into a detached container and show it only if no later navigation started meanwhile.
  const view = h('div', { class: 'view' });
  const renderId = ++latestRender;
  try {
    const [, warning] = await Promise.all([VIEWS[name](view, route), deliveryWarning()]);
    if (renderId !== latestRender) return;
    mount(main, warning, view);
  } catch (error) {
    if (renderId !== latestRender) return;
    mount(main, h('h1', { text: t('error.title') }), h('p', { class: 'form-error', role: 'alert', text: describeError(error) }));
  }
  focusHeading(main);
}

onSignedOut(render);
window.addEventListener('hashchange', render);
setLanguage(storedLanguage() ?? 'en').then(render);
