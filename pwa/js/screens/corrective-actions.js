// Corrective actions (CAPA), offline: the list (overdue first, then by due date; filters by status, overdue and
// factory kept in the URL) and one action, where the factory answers (root cause, action, owner, evidence notes
// and photos) and
// sends it to QC, and QC verifies it: closes it, or sends it back saying why. Everything is written to the phone
// first and synced; the server enforces the same rules (a refused change shows on the sync screen).
import { checkFields, markField } from '../checks.js';
import { isOverdue, movesFor, statusOf } from '../corrective-actions.js';
import { batch, record, records, upsertChange } from '../db.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { formatDateTime, formatDay, t } from '../i18n.js';
import { photoChangeFor } from '../photos.js';
import { may, words } from '../vocabulary.js';
import { cameraButton, gallery } from './photo-section.js';

const ANSWER_FIELDS = ['root_cause', 'action', 'owner', 'evidence_notes'];

function filtersFromHash() {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  return { status: query.get('status') || '', overdue: query.get('overdue') === '1', factory: query.get('factory') || '' };
}

function hashWith(filters) {
  const query = new URLSearchParams();
  if (filters.status) query.set('status', filters.status);
  if (filters.overdue) query.set('overdue', '1');
  if (filters.factory) query.set('factory', filters.factory);
  const text = query.toString();
  return `#/actions${text ? `?${text}` : ''}`;
}

// Overdue first, then the open ones by due date (none last), the closed ones at the end.
function byUrgency(a, b) {
  return Number(isOverdue(b)) - Number(isOverdue(a))
    || Number(statusOf(a) === 'closed') - Number(statusOf(b) === 'closed')
    || String(a.due_date || '9999').localeCompare(String(b.due_date || '9999'));
}

function statusBadge(action) {
  return h('span', { class: `badge capa-${statusOf(action)}`, 'data-testid': 'action-status' }, t(`capa.status.${statusOf(action)}`));
}

export async function showCorrectiveActions(root) {
  const filters = filtersFromHash();
  const [actions, factories] = await Promise.all([records('corrective_action'), records('factory')]);
  const shown = [...actions.values()]
    .filter((a) => !filters.status || statusOf(a) === filters.status)
    .filter((a) => !filters.overdue || isOverdue(a))
    .filter((a) => !filters.factory || a.factory_id === filters.factory)
    .sort(byUrgency);
  const refilter = (change) => {
    history.replaceState(null, '', hashWith({ ...filters, ...change }));
    draw(() => showCorrectiveActions(root));
  };
  const factoryChoices = [...factories.values()].filter((f) => [...actions.values()].some((a) => a.factory_id === f.id));
  mount(root,
    h('h1', {}, t('capa.title')),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field' }, h('label', { for: 'capa-status' }, t('capa.filter_status')),
        h('select', { id: 'capa-status', 'data-testid': 'capa-status-filter', onchange: (e) => refilter({ status: e.target.value }) },
          h('option', { value: '' }, t('capa.all')),
          words('corrective_action_statuses').map((s) => h('option', { value: s, selected: s === filters.status }, t(`capa.status.${s}`))))),
      factoryChoices.length > 1 ? h('div', { class: 'field' }, h('label', { for: 'capa-factory' }, t('capa.filter_factory')),
        h('select', { id: 'capa-factory', onchange: (e) => refilter({ factory: e.target.value }) },
          h('option', { value: '' }, t('capa.all')),
          factoryChoices.map((f) => h('option', { value: f.id, selected: f.id === filters.factory }, f.name)))) : null,
      h('div', { class: 'check' },
        h('input', { id: 'capa-overdue', type: 'checkbox', checked: filters.overdue, 'data-testid': 'capa-overdue-filter',
                     onchange: (e) => refilter({ overdue: e.target.checked }) }),
        h('label', { for: 'capa-overdue' }, t('capa.only_overdue')))),
    shown.length ? h('ul', { class: 'list', 'data-testid': 'capa-list' }, shown.map((action) => h('li', {},
      h('a', { class: 'row', href: `#/actions/${action.id}`, 'data-testid': 'capa-row', dataset: { id: action.id } },
        h('strong', {}, action.problem || t('capa.opened_here')),
        h('span', { class: 'muted' }, factories.get(action.factory_id)?.name || ''),
        h('span', {}, statusBadge(action), ' ',
          action.due_date ? t('capa.due', { date: formatDay(action.due_date) }) : null),
        isOverdue(action) ? h('span', { class: 'badge fail', 'data-testid': 'capa-overdue' }, t('capa.overdue')) : null,
        action._pending ? h('span', { class: 'badge uploading' }, t('milestones.waiting')) : null))))
      : h('p', { class: 'muted', 'data-testid': 'capa-none' }, t('capa.none')));
}

function textArea(id, value, label) {
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('textarea', { id, name: id, rows: 3, maxlength: 4000 }, value || ''));
}

export async function showCorrectiveAction(root, id, { user, onChange }) {
  const action = await record('corrective_action', id);
  if (!action) {
    location.hash = '#/actions';
    return;
  }
  const [inspection, factory, photos] = await Promise.all([record('inspection', action.inspection_id),
    record('factory', action.factory_id), records('photo')]);
  const evidence = [...photos.values()].filter((p) => p.corrective_action_id === id);
  let files = [];
  const chosen = h('span', { class: 'muted', 'data-testid': 'capa-photos-chosen' });
  const moves = movesFor(user.role, action);
  const message = h('p', { role: 'status', 'data-testid': 'capa-saved' });
  const redraw = () => draw(() => showCorrectiveAction(root, id, { user, onChange }));
  const save = async (fields, said) => {
    // The answer and its photos are recorded together or not at all (the photos are resized first).
    const photoChanges = [];
    for (const file of files) photoChanges.push(await photoChangeFor(file, { corrective_action_id: id }, 'evidence'));
    await batch([upsertChange('corrective_action', fields, id), ...photoChanges]);
    onChange?.();
    await redraw();
    const saved = root.querySelector('[data-testid=capa-saved]');
    if (saved) saved.textContent = said;
  };

  // The factory's answer (QC may write it too), while it is open or in progress.
  const answering = may(user.role, 'corrective_action', 'update') && moves.includes('awaiting_verification');
  let answerForm = null;
  if (answering) {
    answerForm = h('form', { class: 'card', novalidate: true, 'data-testid': 'capa-answer', onsubmit: (e) => e.preventDefault() },
      h('h2', {}, t('capa.answer')),
      textArea('root_cause', action.root_cause, t('capa.root_cause')),
      textArea('action', action.action, t('capa.action')),
      h('div', { class: 'field' }, h('label', { for: 'owner' }, t('capa.owner')),
        h('input', { id: 'owner', type: 'text', maxlength: 200, value: action.owner || '' })),
      textArea('evidence_notes', action.evidence_notes, t('capa.evidence')),
      h('div', { class: 'actions' }, cameraButton(t('capa.photo'), 'photo-evidence', (picked) => {
        files = picked;
        chosen.textContent = t('capa.photos_chosen', { n: files.length });
      }), chosen),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'capa-save', onclick: () => answer(false) }, t('capa.save')),
        h('button', { type: 'button', class: 'primary', 'data-testid': 'capa-submit', onclick: () => answer(true) }, t('capa.submit'))));
  }
  const answer = async (submit) => {
    const control = (name) => answerForm.querySelector(`#${name}`);
    const fields = Object.fromEntries(ANSWER_FIELDS.map((name) => [name, control(name).value.trim() || null]));
    let fine = checkFields(ANSWER_FIELDS.map((name) => ({ control: control(name), entity: 'corrective_action', field: name,
                                                          value: fields[name] || '' })));
    if (submit) {
      // What the server asks of an answer before QC sees it: a root cause and an action.
      for (const name of ['root_cause', 'action']) {
        if (!fields[name] && markField(control(name), t('capa.needed'))) fine = false;
      }
    }
    if (!fine) return void answerForm.querySelector('[aria-invalid=true]')?.focus();
    if (submit) fields.status = 'awaiting_verification';
    else if (statusOf(action) === 'open' && moves.includes('in_progress')) fields.status = 'in_progress';
    await save(fields, t(submit ? 'capa.submitted' : 'capa.saved'));
  };

  // QC's verification, once the factory has answered.
  let verifyForm = null;
  if (moves.includes('closed')) {
    verifyForm = h('form', { class: 'card', novalidate: true, 'data-testid': 'capa-verify', onsubmit: (e) => e.preventDefault() },
      h('h2', {}, t('capa.verify')),
      textArea('verification_note', action.verification_note, t('capa.verification_note')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'capa-send-back', onclick: () => verify('in_progress') }, t('capa.send_back')),
        h('button', { type: 'button', class: 'primary', 'data-testid': 'capa-close', onclick: () => verify('closed') }, t('capa.close'))));
  }
  const verify = async (status) => {
    const note = verifyForm.querySelector('#verification_note');
    const text = note.value.trim();
    if (status === 'in_progress' && markField(note, text ? null : t('capa.say_why'))) return void note.focus();
    if (!checkFields([{ control: note, entity: 'corrective_action', field: 'verification_note', value: text }])) return void note.focus();
    await save({ status, verification_note: text || null }, t(status === 'closed' ? 'capa.closed' : 'capa.sent_back'));
  };

  const fact = (label, value, testid = null) => (value ? h('li', {}, h('span', { class: 'muted' }, label, ': '), h('span', { 'data-testid': testid }, value)) : null);
  mount(root,
    h('a', { class: 'button', href: '#/actions' }, t('back')),
    h('h1', {}, t('capa.one_title')),
    h('p', {}, statusBadge(action), ' ', isOverdue(action) ? h('span', { class: 'badge fail', 'data-testid': 'capa-overdue' }, t('capa.overdue')) : null,
      action._pending ? h('span', { class: 'badge uploading' }, t('milestones.waiting')) : null),
    message,
    h('section', { class: 'card' },
      h('p', { 'data-testid': 'capa-problem' }, action.problem || t('capa.opened_here')),
      h('ul', { class: 'facts' },
        fact(t('capa.factory'), factory?.name),
        fact(t('capa.due_date'), action.due_date ? formatDay(action.due_date) : null),
        fact(t('capa.owner'), action.owner),
        answerForm ? null : fact(t('capa.root_cause'), action.root_cause, 'capa-root-cause'),
        answerForm ? null : fact(t('capa.action'), action.action),
        answerForm ? null : fact(t('capa.evidence'), action.evidence_notes),
        verifyForm ? null : fact(t('capa.verification_note'), action.verification_note),
        fact(t('capa.verified_at'), action.verified_at ? formatDateTime(action.verified_at) : null)),
      inspection ? h('p', {}, h('a', { href: `#/inspection/${inspection.id}`, 'data-testid': 'capa-inspection' },
        t('capa.inspection', { type: t(`type.${inspection.inspection_type}`) }),
        inspection.finished_at ? ` · ${formatDay(inspection.finished_at)}` : null)) : null,
      action.reinspection_id ? h('p', {}, h('a', { href: `#/inspection/${action.reinspection_id}` }, t('capa.reinspection'))) : null),
    evidence.length ? h('section', { class: 'card', 'data-testid': 'capa-evidence' }, h('h2', {}, t('capa.evidence_photos')),
      await gallery(evidence)) : null,
    answerForm,
    verifyForm);
}
