/**
 * Pill counts on the participant page: each supply dispensed, what came back, and whether the
 * count agrees with the diary (expected = doses logged as taken x tablets per dose). A count
 * beyond the protocol's threshold is marked here and opens one review alert on the server.
 * Record a supply, or the return of the open one; corrections (with a reason) go through the API.
 * @module site/pill-counts
 */
import { h } from '../common/dom.js';
import { t, formatDate } from '../common/i18n.js';
import { field, showErrors, clearErrors } from '../common/forms.js';
import { can } from './roles.js';
import { call } from './api.js';

const COLUMNS = ['dispensed_on', 'strength_mg', 'tablets_dispensed', 'returned_on', 'tablets_returned', 'expected_taken', 'counted_taken', 'result'];

function resultCell(result) {
  if (!result) return h('td', { text: t('site.pills.not_returned') });
  const text = t(`site.pills.direction.${result.direction}`, { difference: result.difference ?? '—' });
  return h('td', { class: result.is_discrepancy ? 'below-threshold' : null },
    result.is_discrepancy ? h('strong', { class: 'flag', text: `⚠ ${text}` }) : text);
}

function table(rows) {
  if (!rows.length) return h('p', { text: t('site.pills.none') });
  const cell = (value) => h('td', { text: value ?? '—' });
  return h('div', { class: 'table-scroll' }, h('table', { class: 'pill-counts' },
    h('thead', {}, h('tr', {}, ...COLUMNS.map((key) => h('th', { scope: 'col', text: t(`site.pills.${key}`) })))),
    h('tbody', {}, ...rows.map((row) => h('tr', { 'data-id': row.id },
      cell(formatDate(row.dispensed_on)), cell(`${row.strength_mg} mg`), cell(row.tablets_dispensed),
      cell(row.returned_on && formatDate(row.returned_on)), cell(row.tablets_returned),
      cell(row.reconciliation?.expected_taken), cell(row.reconciliation?.counted_taken),
      resultCell(row.reconciliation))))));
}

function form(id, title, specs, send, onDone) {
  const status = h('p', { role: 'status' });
  const element = h('form', { id, class: 'action-form', novalidate: true },
    ...specs.map(([name, type, required]) => field(t(`site.pills.${name}`) + (required ? '' : ` ${t('site.optional')}`),
      h('input', { type, name, required, min: type === 'number' ? '0' : null, step: type === 'number' ? 'any' : null }))),
    h('button', { type: 'submit', class: 'button-primary', text: title }));
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(element);
    const values = {};
    const missing = {};
    for (const [name, type, required] of specs) {
      const raw = element.elements.namedItem(name).value.trim();
      if (!raw) {
        if (required) missing[name] = t('validation.required');
      } else values[name] = type === 'number' ? Number(raw) : raw;
    }
    if (Object.keys(missing).length) return showErrors(element, null, missing);
    try {
      await send(values);
      status.textContent = t('site.saved');
      onDone();
    } catch (error) {
      showErrors(element, error);
    }
  });
  return h('details', { class: 'action' }, h('summary', { text: title }), element, status);
}

/**
 * The pill-count section's content.
 * @param {string} base `/participants/{id}`
 * @param {function(): void} onDone reloads the page after a change
 * @returns {Promise<HTMLElement>}
 */
export async function renderPillCounts(base, onDone) {
  const rows = await call('GET', `${base}/dispensings`);
  const open = rows.find((row) => row.returned_on === null);
  if (!can('site.enter')) return h('div', {}, table(rows));  // a monitor reads, records nothing
  return h('div', {},
    table(rows),
    open
      ? form('pill-return', t('site.pills.record_return'), [['returned_on', 'date', true], ['tablets_returned', 'number', true]],
        (values) => call('PATCH', `${base}/dispensings/${open.id}`, values), onDone)
      : form('pill-dispense', t('site.pills.record_dispensing'),
        [['dispensed_on', 'date', true], ['tablets_dispensed', 'number', true], ['strength_mg', 'number', false], ['reference', 'text', false]],
        (values) => call('POST', `${base}/dispensings`, values), onDone));
}
