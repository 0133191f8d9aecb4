/**
 * Participants of a site with their current-cycle adherence; those below the threshold are
 * marked with a symbol and the words "below threshold", not colour alone.
 * @module site/screens/participants
 */
import { h, mount } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { field } from '../../common/forms.js';
import { call, session } from '../api.js';

/**
 * Render the participant table for the user's site (monitors and admins pick a site).
 * @param {HTMLElement} main
 * @param {string} [siteId] from the URL (#participants/<site id>)
 * @returns {Promise<void>}
 */
export async function showParticipants(main, siteId) {
  const user = session().user;
  let chooser = null;
  let site = siteId || user.site_id;
  if (!user.site_id) {
    const sites = await call('GET', '/sites');
    site ||= sites[0]?.id;
    const control = h('select', { name: 'site' }, ...sites.map((each) => h('option', { value: each.id, text: `${each.code} — ${each.name}` })));
    control.value = site ?? '';
    control.addEventListener('change', () => {
      location.hash = `#participants/${control.value}`;
    });
    chooser = field(t('site.participants.site'), control);
  }
  const rows = site ? await call('GET', `/sites/${site}/adherence`) : [];
  mount(main,
    h('h1', { text: t('site.participants.title') }),
    chooser,
    h('p', { class: 'hint', text: t('site.participants.hint') }),
    rows.length ? table(rows) : h('p', { text: t('site.participants.none') }));
}

function table(rows) {
  const headers = ['study_id', 'status', 'cycle', 'adherence', 'not_reported', 'late'];
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': t('site.participants.title'), tabindex: 0 },
    h('table', {},
      h('thead', {}, h('tr', {}, ...headers.map((key) => h('th', { scope: 'col', text: t(`site.participants.${key}`) })))),
      h('tbody', {}, ...rows.map((row) => h('tr', { class: row.below_threshold ? 'below-threshold' : null },
        h('th', { scope: 'row' }, h('a', { href: `#participant/${row.participant_id}`, text: row.study_id })),
        h('td', { text: row.status ? t(`site.participant_status.${row.status}`) : '—' }),
        h('td', { text: row.cycle ?? '—' }),
        h('td', {},
          h('span', { text: row.percent === null || row.percent === undefined ? '—' : `${Math.round(row.percent)} %` }),
          row.below_threshold ? h('strong', { class: 'flag', text: ` ⚠ ${t('site.participants.below')}` }) : null),
        h('td', { text: row.not_reported ?? '—' }),
        h('td', { text: row.late ?? '—' }))))));
}
