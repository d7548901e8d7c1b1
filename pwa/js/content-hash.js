// The content hash of an inspection, computed on the phone from its own copy (offline, right after
// finalize) exactly as the server does (server/services/content_hash.py): SHA-256 over the RFC 8785
// canonical JSON (the npm canonicalize package) of the inspection, its defects, measurements,
// checklist answers and each photo's sha256. The same rules on both sides:
// ids as text, times in UTC with milliseconds, measured values as numbers, lists sorted by id.
import canonicalize from '/vendor/canonicalize/canonicalize.js';
import { records } from './db.js';

const FORMAT = 'seamline-inspection/1';
const INSPECTION_FIELDS = ['id', 'inspection_type', 'factory_id', 'production_order_id', 'tech_pack_version_id',
  'inspector_id', 'reinspection_of_id', 'status', 'lot_size', 'inspection_level', 'count_basis',
  'aql_critical', 'aql_major', 'aql_minor', 'switching_critical', 'switching_major', 'switching_minor',
  'verdict', 'verdict_critical', 'verdict_major', 'verdict_minor', 'disposition', 'finished_at', 'notes',
  'ordered_quantity', 'packed_quantity', 'carton_count', 'cartons_opened'];
const DEFECT_FIELDS = ['id', 'defect_type_id', 'severity', 'location', 'note', 'sample_unit'];
const MEASUREMENT_FIELDS = ['id', 'measurement_spec_id', 'sample_unit', 'measured_value'];
const CHECKLIST_FIELDS = ['id', 'item_code', 'result', 'note'];
const PHOTO_FIELDS = ['id', 'sha256', 'kind', 'defect_id', 'caption'];
// What the server fills in for a field the phone never sent (the models' defaults).
const DEFAULTS = {
  inspection: { status: 'planned', inspection_level: 'II', count_basis: 'nonconformities', aql_critical: '0',
    aql_major: '2.5', aql_minor: '4.0', switching_critical: 'normal', switching_major: 'normal', switching_minor: 'normal' },
  inspection_defect: {},
  measurement_result: { sample_unit: 1 },
  checklist_result: {},
  photo: { kind: 'defect' },
};
const TIMES = new Set(['finished_at']);
const NUMBERS = new Set(['measured_value']);

function value(name, raw) {
  if (raw === undefined || raw === null) return null;
  if (TIMES.has(name)) return new Date(raw).toISOString();
  if (NUMBERS.has(name)) return Number(raw);
  return raw;
}

function pick(entity, record, names) {
  const out = {};
  for (const name of names) out[name] = value(name, record[name] ?? DEFAULTS[entity][name]);
  return out;
}

const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function inspectionDocument(inspectionId) {
  const [inspections, defects, measurements, checklist, photos] = await Promise.all([
    records('inspection'), records('inspection_defect'), records('measurement_result'), records('checklist_result'),
    records('photo')]);
  const inspection = inspections.get(inspectionId);
  if (!inspection) return null;
  const own = (map) => [...map.values()].filter((r) => r.inspection_id === inspectionId && !r.deleted_at);
  const ownDefects = own(defects);
  const defectIds = new Set(ownDefects.map((d) => d.id));
  const ownPhotos = [...photos.values()].filter((p) => !p.deleted_at && (p.inspection_id === inspectionId || defectIds.has(p.defect_id)));
  return {
    format: FORMAT,
    inspection: pick('inspection', inspection, INSPECTION_FIELDS),
    defects: ownDefects.map((r) => pick('inspection_defect', r, DEFECT_FIELDS)).sort(byId),
    measurements: own(measurements).map((r) => pick('measurement_result', r, MEASUREMENT_FIELDS)).sort(byId),
    checklist: own(checklist).map((r) => pick('checklist_result', r, CHECKLIST_FIELDS)).sort(byId),
    photos: ownPhotos.map((r) => pick('photo', r, PHOTO_FIELDS)).sort(byId),
  };
}

export async function inspectionHash(inspectionId) {
  const doc = await inspectionDocument(inspectionId);
  if (!doc) return null;
  const bytes = new TextEncoder().encode(canonicalize(doc));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
