// "Export unsynced data": the last resort when a phone cannot reach the server. One JSON file
// with every mutation the phone keeps and the bytes of every photo not yet uploaded; the server
// imports it through the sync protocol (POST /api/v1/sync/import), so importing twice adds nothing.
import { rejections, unsyncedSnapshot } from './db.js';
import { clientId, currentUser } from './session.js';

export async function buildExport() {
  const [{ mutations, photos }, refused, user, client] = await Promise.all([unsyncedSnapshot(), rejections(),
    currentUser(), clientId()]);
  return {
    format: 'seamline-unsynced',
    format_version: 1,
    exported_at: new Date().toISOString(),
    client_id: client,
    user: user ? { id: user.id, email: user.email } : null,
    protocol_version: 1,
    schema_version: 1,
    mutations: mutations.map((m) => ({ id: m.id, entity: m.entity, op: m.op, record_id: m.record_id, fields: m.fields,
                                       base_version: m.base_version })),
    photos: photos.map((p) => ({ sha256: p.sha256, content_type: 'image/jpeg', data: toBase64(p.data) })),
    // Work the server refused and the inspector has not corrected or discarded yet: what was sent and why it
    // was refused, so the file holds everything the phone shows (the server keeps these refusals too).
    refused: refused.map((r) => ({ mutation_id: r.mutation_id, entity: r.entity, op: r.op, record_id: r.record_id,
                                   sent: r.sent, code: r.code, message: r.message, fields: r.fields })),
  };
}

export async function downloadExport() {
  const file = await buildExport();
  const blob = new Blob([JSON.stringify(file)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `seamline-unsynced-${file.exported_at.replace(/[:.]/g, '-')}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return file;
}

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
