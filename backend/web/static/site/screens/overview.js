/**
 * The site overview, the dashboard's home: every participant of the site in one table with
 * today's status, cycle and day, unresolved alerts by severity, the last entry, the latest BP
 * sitting, adherence this cycle and overall (⚠ below the protocol's threshold, in words too,
 * never colour alone) and the late-entry rate. Search, sort and pages are the server's
 * (GET /sites/{id}/overview: q, sort, limit, cursor); the page's state lives in the URL
 * (#overview?site=…&q=…&sort=…&cursor=…&page=…), so a view can be bookmarked or shared.
 * @module site/screens/overview
 */
import { h, mount } from '../../common/dom.js';
import { t, formatDateTime } from '../../common/i18n.js';
import { field } from '../../common/forms.js';
import { call, session } from '../api.js';
import { alertsForParticipant, dayLink, participantLink, routeHash } from '../route.js';
import { elapsed } from './alerts.js';
import { enrolForm, sitePhonesForm } from '../manage.js';
import { can } from '../roles.js';

export const PAGE_SIZE = 25;
// column -> the server's sort name (null: not sortable)
const COLUMNS = [
  ['study_id', 'study_id'], ['today', 'today'], ['cycle', 'cycle'], ['alerts', 'alerts'], ['last_entry', 'last_entry_at'],
  ['bp', 'bp_grade'], ['cycle_percent', 'cycle_percent'], ['overall_percent', 'overall_percent'], ['late_rate', 'late_rate'],
];

/**
 * Render the overview for the route's query.
 * @param {HTMLElement} main
 * @param {{query: URLSearchParams}} route
 * @returns {Promise<void>}
 */
export async function showOverview(main, { query = new URLSearchParams() } = {}) {
  const user = session().user;
  let site = query.get('site') || user.site_id;
  let chooser = null;
  let sites = [];
  if (!user.site_id || can('site.settings')) sites = await call('GET', '/sites');
  if (!user.site_id) {
    site ||= sites[0]?.id;
    const control = h('select', { name: 'site' }, ...sites.map((each) => h('option', { value: each.id, text: `${each.code} — ${each.name}` })));
    control.value = site ?? '';
    control.addEventListener('change', () => { location.hash = routeHash('overview', [], { site: control.value }); });
    chooser = field(t('site.participants.site'), control);
  }
  const state = { site, q: query.get('q') ?? '', sort: query.get('sort') || 'study_id', cursor: query.get('cursor') ?? '', page: Number(query.get('page') || 1) };
  const params = new URLSearchParams({ sort: state.sort, limit: String(PAGE_SIZE) });
  if (state.q) params.set('q', state.q);
  if (state.cursor) params.set('cursor', state.cursor);
  const result = site ? await call('GET', `/sites/${site}/overview?${params}`) : { rows: [], total: 0, next_cursor: null };
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  const go = (changes) => { location.hash = routeHash('overview', [], { site: user.site_id ? '' : site, q: state.q, sort: state.sort, ...changes }); };
  const search = h('form', { class: 'filters', id: 'overview-search', role: 'search' },
    field(t('site.overview.search'), h('input', { type: 'search', name: 'q', value: state.q, autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'button-secondary', text: t('site.overview.search_button') }));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    go({ q: search.elements.q.value.trim(), cursor: '', page: '' });
  });
  mount(main,
    h('h1', { text: t('site.overview.title') }),
    chooser,
    search,
    h('p', { role: 'status', text: t('site.overview.count', { total: result.total, page: state.page, pages }) }),
    result.rows.length ? table(result.rows, state, go) : h('p', { text: t('site.participants.none') }),
    h('nav', { class: 'pager', 'aria-label': t('site.overview.pages') },
      state.cursor ? h('a', { href: routeHash('overview', [], { site: user.site_id ? '' : site, q: state.q, sort: state.sort }), text: t('site.overview.first_page') }) : null,
      result.next_cursor
        ? h('a', { href: routeHash('overview', [], { site: user.site_id ? '' : site, q: state.q, sort: state.sort, cursor: result.next_cursor, page: String(state.page + 1) }), rel: 'next', text: t('site.overview.next_page') })
        : null),
    manageBlock(sites.find((each) => each.id === site)));
}

/**
 * Enrolment and the site's phone numbers, below the table so that opening them moves nothing.
 * @param {?Object} site
 * @returns {?HTMLElement}
 */
function manageBlock(site) {
  const forms = [enrolForm(site), sitePhonesForm(site)].filter(Boolean);
  if (!forms.length) return null;
  return h('section', { 'aria-labelledby': 'site-manage-heading', class: 'site-manage' },
    h('h2', { id: 'site-manage-heading', text: t('site.manage.site_title') }),
    h('div', { class: 'actions' }, ...forms));
}

function table(rows, state, go) {
  const [current, descending] = [state.sort.replace(/^-/, ''), state.sort.startsWith('-')];
  const header = ([key, sort]) => {
    const active = sort === current;
    const next = active && !descending ? `-${sort}` : sort;
    return h('th', { scope: 'col', 'aria-sort': active ? (descending ? 'descending' : 'ascending') : null },
      h('button', { type: 'button', class: 'sort-button', text: `${t(`site.overview.col.${key}`)}${active ? (descending ? ' ▼' : ' ▲') : ''}`,
        onclick: () => go({ sort: next, cursor: '', page: '' }) }));
  };
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': t('site.overview.title'), tabindex: 0 },
    h('table', { class: 'overview' },
      h('thead', {}, h('tr', {}, ...COLUMNS.map(header))),
      h('tbody', {}, ...rows.map(row))));
}

function percentCell(value, below, threshold) {
  return h('td', { class: below ? 'below-threshold nowrap' : 'nowrap' },
    value === null || value === undefined ? '—' : `${Math.round(value)} %`,
    below ? h('strong', { class: 'flag', text: ` ⚠ ${t('site.overview.below', { threshold })}` }) : null);
}

function row(participant) {
  const { today, alerts, bp } = participant;
  const open = alerts.urgent + alerts.review + alerts.info;
  return h('tr', { 'data-study-id': participant.study_id },
    h('th', { scope: 'row', class: 'nowrap' }, h('a', { href: participantLink(participant.participant_id), text: participant.study_id })),
    h('td', { 'data-status': today.status },
      h('span', { class: `status-symbol marker-${today.status}`, 'aria-hidden': 'true', text: t(`symbol.${today.status}`) }), ' ',
      t(`site.overview.status.${today.status}`),
      today.phase === 'dosing' && today.yesterday_status === 'not_reported' && today.status !== 'not_reported'
        ? h('strong', { class: 'flag flag-line', text: `⚠ ${t('site.overview.yesterday_not_reported')}` }) : null),
    h('td', { class: 'nowrap' }, today.cycle ? h('a', { href: dayLink(participant.participant_id, today.date), text: (today.cycle_day == null ? t('site.day.cycle_only', { cycle: today.cycle }) : t('site.day.cycle_day_value', { cycle: today.cycle, day: today.cycle_day })) }) : '—'),
    h('td', {}, open
      ? h('a', { href: alertsForParticipant(participant.participant_id), text: ['urgent', 'review', 'info'].filter((s) => alerts[s]).map((s) => `${t(`site.severity_symbol.${s}`)} ${alerts[s]} ${t(`site.severity.${s}`)}`).join(', ') })
      : '—'),
    h('td', { class: 'nowrap', text: participant.last_entry_at ? t('site.alerts.ago_short', { duration: elapsed(participant.last_entry_at) }) : t('site.overview.never'),
      title: participant.last_entry_at ? formatDateTime(participant.last_entry_at) : null }),
    h('td', { text: bp ? t('site.overview.bp', { systolic: bp.mean_systolic, diastolic: bp.mean_diastolic, count: bp.readings, grade: bp.grade ?? '—' }) : '—' }),
    percentCell(participant.cycle_percent, participant.cycle_below_threshold, participant.adherence_threshold),
    percentCell(participant.overall_percent, participant.overall_below_threshold, participant.adherence_threshold),
    h('td', { text: participant.late_rate === null ? '—' : `${Math.round(participant.late_rate)} %` }));
}
