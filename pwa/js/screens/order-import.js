// Importing purchase orders from a CSV file: choose the file, see what it would change (a dry run: orders and
// lines new, changed, unchanged, and each order's differences) or every problem with its row and column, then
// import. Nothing is written until "Import"; a refused file writes nothing at all.
import { ApiError, NetworkError } from '../api.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { t } from '../i18n.js';
import { importOrders, problemsOf } from '../purchase-orders.js';
import { words } from '../vocabulary.js';

// What the screen shows; kept while it redraws itself: { file, busy, report, problems, error, imported }.
let state = {};

function counts(report) {
  return h('ul', { class: 'kpis', 'data-testid': 'import-counts' },
    h('li', {}, h('strong', {}, report.orders.created), h('span', {}, t('po_import.orders_created'))),
    h('li', {}, h('strong', {}, report.orders.updated), h('span', {}, t('po_import.orders_updated'))),
    h('li', {}, h('strong', {}, report.orders.unchanged), h('span', {}, t('po_import.orders_unchanged'))),
    h('li', {}, h('strong', {}, report.lines.created + report.lines.updated), h('span', {}, t('po_import.lines_changed'))));
}

function change(column, { old, new: value }) {
  return h('li', {}, h('code', {}, column), ': ', old === null ? '' : [h('del', {}, old), ' → '], h('ins', {}, value ?? '–'));
}

function differences(report, linked) {
  const changed = report.changes.filter((order) => order.action !== 'unchanged');
  if (!changed.length) return h('p', { class: 'notice', 'data-testid': 'import-nothing' }, t('po_import.nothing'));
  return h('ol', { class: 'history', 'data-testid': 'import-changes' }, changed.map((order) => h('li', {},
    h('p', {}, h('strong', {}, linked && order.id ? h('a', { href: `#/orders/${order.id}`, 'data-testid': 'imported-order' }, order.po_number) : order.po_number),
      ' ', h('span', { class: 'badge' }, t(`po_import.action.${order.action}`)), ' ', h('span', { class: 'muted' }, t('po_import.row', { row: order.row }))),
    order.action === 'update' && Object.keys(order.changes).length
      ? h('ul', { class: 'changes' }, Object.entries(order.changes).map(([column, c]) => change(column, c))) : null,
    h('ul', { class: 'changes' }, order.lines.filter((line) => line.action !== 'unchanged').map((line) => h('li', {},
      t('po_import.line', { style: line.style_number, colourway: line.colourway, row: line.row }), ' ',
      h('span', { class: 'badge' }, t(`po_import.action.${line.action}`)),
      line.action === 'update' ? h('ul', { class: 'changes' }, Object.entries(line.changes).map(([column, c]) => change(column, c))) : null))))));
}

function problemsTable(problems) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'figures', 'data-testid': 'import-problems' },
    h('thead', {}, h('tr', {}, ['po_import.row_header', 'po_import.column', 'po_import.problem'].map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, problems.map((p) => h('tr', {}, h('th', { scope: 'row' }, p.row ?? '–'), h('td', {}, p.column || '–'), h('td', {}, p.message))))));
}

async function send(root, dryRun) {
  state = { file: state.file, busy: true };
  draw(() => showOrderImport(root, { keep: true }));
  try {
    const report = await importOrders(state.file, { dryRun });
    state = dryRun ? { file: state.file, report } : { report, imported: true };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'invalid_file') {
      state = { file: state.file, problems: problemsOf(error.fields), error: error.message };
    } else if (error instanceof ApiError || error instanceof NetworkError) {
      state = { file: state.file, error: error instanceof NetworkError ? t('orders.offline') : error.message };
    } else {
      throw error;
    }
  }
  draw(() => showOrderImport(root, { keep: true }));
}

export async function showOrderImport(root, { keep = false } = {}) {
  if (!keep) state = {};
  const chosen = (e) => {
    state = { file: e.target.files[0] || null };
    draw(() => showOrderImport(root, { keep: true }));
  };
  const { file, busy, report, problems, error, imported } = state;
  mount(root,
    h('p', {}, h('a', { href: '#/orders' }, t('order.back'))),
    h('h1', {}, t('po_import.title')),
    h('section', { class: 'card' },
      h('p', {}, t('po_import.help')),
      h('p', { class: 'muted' }, h('code', { 'data-testid': 'import-columns' }, words('purchase_order_csv_columns').join(', '))),
      h('p', { class: 'muted' }, t('po_import.sizes_help')),
      h('label', { for: 'import-file' }, t('po_import.file')),
      h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv', 'data-testid': 'import-file', onchange: chosen }),
      file ? h('p', { class: 'muted' }, file.name) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'import-check', disabled: !file || busy, onclick: () => send(root, true) }, t('po_import.check')),
        report && !imported ? h('button', { type: 'button', class: 'primary', 'data-testid': 'import-run', disabled: busy,
          onclick: () => send(root, false) }, t('po_import.run')) : null)),
    busy ? h('p', { class: 'loading' }, t('po_import.working')) : null,
    error ? h('section', { class: 'card', role: 'alert' },
      h('p', { class: 'error', 'data-testid': 'import-error' }, error),
      problems?.length ? problemsTable(problems) : null) : null,
    report ? h('section', { class: 'card', 'data-testid': imported ? 'import-done' : 'import-dry-run' },
      h('h2', {}, imported ? t('po_import.done') : t('po_import.dry_run')),
      imported ? null : h('p', { class: 'muted' }, t('po_import.dry_note')),
      counts(report), differences(report, imported)) : null);
  root.dataset.ordersReady = busy ? 'false' : 'true';
}
