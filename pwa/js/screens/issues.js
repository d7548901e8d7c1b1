// What sync could not do on its own: changes the server refused (with its reason) and fields two
// people changed at once (resolved here, by those allowed). Also the phone's housekeeping: space,
// photos that can be removed, the unsynced-data export, and the PIN.
import { ApiError, NetworkError, request } from '../api.js';
import { conflicts, dismissRejection, pendingCounts, pruneUploadedPhotos, rejections, uploadedPhotoBytes } from '../db.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { downloadExport } from '../export.js';
import { t } from '../i18n.js';
import { clearPin, hasPin, setPin, validPin } from '../pin.js';
import { fieldLabel, refusalInWords, refusalSentence, refusedFields } from '../refusals.js';
import { megabytes, storageState } from '../storage.js';
import { refreshConflicts, resolveConflict } from '../conflicts.js';
import { syncNow } from '../sync.js';
import { emailChoices } from './email-choices.js';
import { languageSwitch } from './language.js';
import { logoutButton } from './logout.js';

function shown(value) {
  if (value === null || value === undefined || value === '') return t('issues.empty_value');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function entityName(entity) {
  return t(`entity.${entity}`);
}

// The screen where a refused record is corrected: its inspection's (the inspection itself, or the one a
// defect, item or measurement belongs to), or its production order's milestones.
function correctionLink(rejection) {
  const sent = rejection.sent || {};
  const inspection = rejection.entity === 'inspection' ? rejection.record_id : rejection.inspection_id;
  const href = inspection ? `#/inspection/${inspection}`
    : sent.production_order_id ? `#/milestones/${sent.production_order_id}` : null;
  return href ? h('a', { class: 'button', href, 'data-testid': 'correct-refused' }, t('refused.correct')) : null;
}

// What the server said, in the phone's language where the phone can say it: each field it did not accept
// with what is allowed; a record that belongs to a refused inspection waits for that one to be corrected.
function refusalReason(rejection, refusedInspections) {
  if (rejection.entity !== 'inspection' && refusedInspections.has(rejection.inspection_id)) {
    return h('span', { 'data-testid': 'waits-for-inspection' }, t('refused.waits_for_inspection'));
  }
  const { text, detail } = refusalSentence(rejection);
  return [h('span', { 'data-testid': 'rejection-reason' }, t('rejected', { message: text })),
    // The server's own words where they name specifics the sentence cannot (an order's number, a status).
    detail ? h('span', { class: 'muted', 'data-testid': 'server-said' }, ' ', t('refusal.server_said', { message: detail })) : null,
    // Per field: "Lot size: Must be a whole number from 1 to 10,000,000."
    refusedFields(rejection).map(([field, problems]) => h('span', { class: 'muted', 'data-testid': 'rejection-field' },
      ' ', fieldLabel(field), ': ', refusalInWords(rejection.entity, field, problems)))];
}

function rejectionItem(rejection, refusedInspections, rerender) {
  return h('li', { class: 'issue rejected', 'data-testid': 'rejection' },
    h('strong', {}, entityName(rejection.entity)), ' ',
    refusalReason(rejection, refusedInspections),
    rejection.op === 'upsert' ? [h('span', { class: 'muted' }, ' ', t('refused.fix_hint')), ' ', correctionLink(rejection)] : null,
    rerender ? h('button', { type: 'button', class: 'link', 'data-testid': 'discard', onclick: async () => {
      if (!confirm(t('refused.discard_confirm'))) return;
      await dismissRejection(rejection.mutation_id);
      await rerender();
    } }, t('refused.discard')) : null);
}

function refusedInspectionIds(refused) {
  return new Set(refused.filter((r) => r.entity === 'inspection' && r.op === 'upsert').map((r) => r.record_id));
}

function conflictItem(conflict, rerender) {
  const message = h('span', { class: 'error', role: 'alert' });
  const resolve = (choice) => async () => {
    try {
      await resolveConflict(conflict.id, choice);
      await rerender();
    } catch (error) {
      if (error instanceof NetworkError) message.textContent = t('issues.resolve_offline');
      else if (error instanceof ApiError) message.textContent = error.message;
      else throw error;
    }
  };
  return h('li', { class: 'issue conflict', 'data-testid': 'conflict' },
    h('p', {}, h('strong', {}, entityName(conflict.entity)), ' · ', t('issues.conflict_field', { field: fieldLabel(conflict.field) })),
    'stored_value' in conflict ? h('p', {}, t('issues.on_server'), ' ', h('strong', { 'data-testid': 'stored-value' }, shown(conflict.stored_value))) : null,
    h('p', {}, t('issues.incoming'), ' ', h('strong', { 'data-testid': 'incoming-value' }, shown(conflict.incoming_value))),
    rerender ? h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'keep-stored', onclick: resolve('stored') }, t('issues.keep_stored')),
      h('button', { type: 'button', 'data-testid': 'take-incoming', onclick: resolve('incoming') }, t('issues.take_incoming'))) : null,
    message);
}

// On a record's screen: what concerns it, with a way to the sync screen to act on it.
export async function issuesBanner({ rejections: refused, conflicts: open }) {
  if (!refused.length && !open.length) return null;
  return h('section', { class: 'card issues', 'data-testid': 'record-issues' },
    h('h2', {}, t('issues.on_record')),
    h('ul', { class: 'list' }, refused.map((r) => rejectionItem(r, refusedInspectionIds(refused))), open.map((c) => conflictItem(c))),
    h('a', { class: 'button', href: '#/sync' }, t('issues.open')));
}

export async function showSyncScreen(root) {
  const rerender = () => draw(() => showSyncScreen(root));
  if (navigator.onLine) await refreshConflicts().catch(() => {});
  const [refused, open, pending, space, uploaded, pinSet] = await Promise.all([
    rejections(), conflicts(), pendingCounts(), storageState(), uploadedPhotoBytes(), hasPin()]);
  const language = await languageSwitch();
  const emails = await emailChoices();
  const note = h('p', { role: 'status', 'data-testid': 'sync-note' });
  const pin = h('input', { id: 'new-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 8 });
  const importFile = h('input', { id: 'import-file', type: 'file', accept: 'application/json,.json' });
  mount(root,
    h('a', { class: 'button', href: '#/' }, t('back')),
    h('h1', {}, t('issues.title')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', 'data-testid': 'sync-now', onclick: async () => {
        await syncNow();
        await rerender();
      } }, t('issues.sync_now')),
      logoutButton()),
    language,
    emails,
    h('section', { class: 'card' }, h('h2', {}, t('issues.conflicts')),
      open.length ? h('ul', { class: 'list' }, open.map((c) => conflictItem(c, rerender))) : h('p', { class: 'muted' }, t('issues.none'))),
    h('section', { class: 'card' }, h('h2', {}, t('issues.rejections')),
      refused.length ? h('ul', { class: 'list' }, refused.map((r) => rejectionItem(r, refusedInspectionIds(refused), rerender))) : h('p', { class: 'muted' }, t('issues.none'))),
    h('section', { class: 'card' }, h('h2', {}, t('storage.title')),
      space ? h('p', { class: space.low ? 'notice warn' : 'muted', 'data-testid': 'storage' },
        t('storage.used', { used: megabytes(space.usage), quota: megabytes(space.quota) }),
        space.low ? [' ', t('storage.low')] : null, space.persisted ? null : [' ', t('storage.not_persisted')]) : null,
      h('p', {}, t('storage.uploaded', { n: uploaded.count, mb: megabytes(uploaded.bytes) })),
      h('button', { type: 'button', disabled: !uploaded.count, 'data-testid': 'prune', onclick: async () => {
        const { count, freed } = await pruneUploadedPhotos();
        await rerender();
        root.querySelector('[data-testid=sync-note]').textContent = t('storage.pruned', { n: count, mb: megabytes(freed) });
      } }, t('storage.prune'))),
    h('section', { class: 'card' }, h('h2', {}, t('export.title')),
      h('p', {}, t('export.explain', { changes: t('count.changes', { n: pending.mutations }), photos: t('count.photos', { n: pending.photos }) })),
      h('button', { type: 'button', 'data-testid': 'export', disabled: !(pending.mutations + pending.photos), onclick: async () => {
        const file = await downloadExport();
        note.textContent = t('export.done', { changes: t('count.changes', { n: file.mutations.length }), photos: t('count.photos', { n: file.photos.length }) });
      } }, t('export.button')),
      h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('import.label')), importFile),
      h('button', { type: 'button', 'data-testid': 'import', onclick: async () => {
        const [file] = importFile.files;
        if (!file) return;
        const form = new FormData();
        form.append('file', file);
        try {
          await request('POST', '/api/v1/sync/import', { body: form });
          note.textContent = t('import.done');
        } catch (error) {
          note.textContent = error instanceof ApiError ? error.message : t('issues.resolve_offline');
        }
      } }, t('import.button'))),
    h('section', { class: 'card' }, h('h2', {}, t('pin.settings')),
      h('p', { class: 'muted' }, pinSet ? t('pin.is_set') : t('pin.not_set')),
      h('label', { for: 'new-pin' }, t('pin.new')), pin,
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'set-pin', onclick: async () => {
          if (!validPin(pin.value)) return void (note.textContent = t('pin.invalid'));
          await setPin(pin.value);
          await rerender();
          root.querySelector('[data-testid=sync-note]').textContent = t('pin.saved');
        } }, t('pin.set')),
        pinSet ? h('button', { type: 'button', onclick: async () => { await clearPin(); await rerender(); } }, t('pin.remove')) : null)),
    note);
}
