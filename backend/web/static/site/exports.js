/**
 * The Exports view: download buttons for the trial data exports (docs/exports.md).
 * Self-contained: one view function and its i18n keys (site.exports.*); the router only maps
 * `#exports` to it. Downloads go through fetch with the staff token (the API needs the bearer
 * header), then are saved from a blob.
 * @module site/exports
 */
import { h } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { describeError } from '../common/forms.js';
import { session, call } from './api.js';

const DATASETS = ['ec', 'suppec', 'vs', 'suppvs', 'qs', 'alerts', 'signatures', 'queries'];

/** The export URL with the filters the user chose. */
function withFilters(path, form) {
  const query = new URLSearchParams();
  for (const name of ['from', 'to']) {
    const value = form.querySelector(`[name=${name}]`).value;
    if (value) query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Fetch an export with the staff token and save it under its file name. */
async function download(url, filename, status) {
  status.textContent = t('site.exports.preparing');
  const response = await fetch(url, { headers: { Authorization: `Bearer ${session()?.access_token}` } });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    status.textContent = problem.message || `${response.status}`;
    return;
  }
  const link = h('a', { href: URL.createObjectURL(await response.blob()), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
  status.textContent = t('site.exports.done', { file: filename });
}

function button(label, url, filename, form, status) {
  return h('button', {
    type: 'button', class: 'button-secondary', text: label,
    onclick: () => download(withFilters(url, form), filename, status).catch((error) => {
      status.textContent = describeError(error);
    }),
  });
}

/**
 * Render the Exports view into `view`.
 * @param {HTMLElement} view
 */
export async function showExports(view) {
  const status = h('p', { role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'export-filters', onsubmit: (event) => event.preventDefault() },
    h('label', { text: t('site.exports.from') }, h('input', { type: 'date', name: 'from' })),
    h('label', { text: t('site.exports.to') }, h('input', { type: 'date', name: 'to' })));
  const rows = DATASETS.map((key) => h('li', {},
    h('span', { text: t(`site.exports.dataset.${key}`) }), ' ',
    button('CSV', `/api/v1/exports/sdtm/${key}.csv`, `${key}.csv`, form, status), ' ',
    button('Dataset-JSON', `/api/v1/exports/sdtm/${key}.json`, `${key}.json`, form, status)));
  const participants = await call('GET', '/participants');
  const list = Array.isArray(participants) ? participants : (participants.items ?? []);
  const select = h('select', { name: 'participant' },
    ...list.map((p) => h('option', { value: p.id, text: p.study_id })));
  const fhir = h('button', {
    type: 'button', class: 'button-secondary', text: t('site.exports.fhir'),
    onclick: () => download(withFilters(`/api/v1/participants/${select.value}/fhir`, form),
      `${select.selectedOptions[0]?.text ?? 'participant'}.fhir.json`, status)
      .catch((error) => { status.textContent = describeError(error); }),
  });
  view.append(
    h('h1', { text: t('site.exports.title') }),
    h('p', { text: t('site.exports.intro') }),
    form,
    h('ul', { class: 'export-list' }, ...rows,
      h('li', {}, h('span', { text: t('site.exports.odm') }), ' ',
        button('ODM XML', '/api/v1/exports/odm.xml', 'odm.xml', form, status))),
    h('p', {}, h('label', { text: `${t('site.exports.participant')} ` }, select), ' ', fhir),
    status);
}
