// What "My inspections" lists and in which order. Each inspection becomes a row with what an inspector
// recognises it by (date, style, PO, factory); their own inspections in progress come first, then the
// inspections booked for the coming days (the soonest first, one whose day passed unstarted at the top), then
// their own planned for later (the next one first), then every other one newest first, so the one just started
// is at the top however many the phone holds. The search and filters live in the hash (#/inspections?q=...&status=...),
// so Back from an inspection returns to the same list.

export const FILTER_NAMES = ['q', 'status', 'type', 'from', 'to'];
// How far ahead "booked for the coming days" looks.
export const BOOKED_DAYS_AHEAD = 7;

export function filtersFromHash(hash = location.hash) {
  const params = new URLSearchParams(hash.split('?')[1] || '');
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, params.get(name) || '']).filter(([, value]) => value));
}

export function hashWithFilters(filters) {
  const params = new URLSearchParams(FILTER_NAMES.filter((name) => filters[name]).map((name) => [name, filters[name]]));
  const query = params.toString();
  return query ? `#/inspections?${query}` : '#/inspections';
}

// The day a row stands for: finished, else started, else planned, else created; as the phone's local day.
export function dayOf(inspection) {
  const when = inspection.finished_at || inspection.started_at || inspection.planned_date || inspection.created_at || '';
  if (when.length <= 10) return when;
  const moment = new Date(when);
  return new Date(moment.getTime() - moment.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

function moment(inspection) {
  return inspection.finished_at || inspection.started_at || inspection.planned_date || inspection.created_at || '';
}

// One row per inspection, with the words a search looks in (PO, production order, style, factory).
export function rowsOf({ inspections, factories, productionOrders, purchaseOrders, items, styles, lines }) {
  const styleOf = new Map();
  for (const item of items.values()) if (!styleOf.has(item.inspection_id)) styleOf.set(item.inspection_id, item.style_id);
  return [...inspections.values()].map((inspection) => {
    const order = productionOrders.get(inspection.production_order_id);
    const style = styles.get(styleOf.get(inspection.id) ?? lines.get(order?.purchase_order_line_id)?.style_id);
    const po = purchaseOrders.get(order?.purchase_order_id)?.po_number || '';
    const factory = factories.get(inspection.factory_id)?.name || '';
    return { inspection, day: dayOf(inspection), style: style?.style_number || '', styleName: style?.name || '', po,
             orderNumber: order?.number || '', factory,
             words: [po, order?.number, style?.style_number, style?.name, factory].filter(Boolean).join(' ').toLowerCase() };
  });
}

export function isMine(inspection, user) {
  return inspection.inspector_id ? inspection.inspector_id === user.id
    : inspection.created_by_id === user.id || Boolean(inspection._pending);
}

// Inspectors see their own (and unassigned) inspections; the other roles every one on the phone.
export function visibleTo(rows, user) {
  return user.role === 'inspector' ? rows.filter((r) => !r.inspection.inspector_id || r.inspection.inspector_id === user.id) : rows;
}

export function matching(rows, filters) {
  const needles = (filters.q || '').toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((row) => needles.every((needle) => row.words.includes(needle))
    && (!filters.status || row.inspection.status === filters.status)
    && (!filters.type || row.inspection.inspection_type === filters.type)
    && (!filters.from || (row.day && row.day >= filters.from))
    && (!filters.to || (row.day && row.day <= filters.to)));
}

// { open: the user's own in progress, newest first; booked: planned for a day up to BOOKED_DAYS_AHEAD from today
// (or past), soonest first; later: the user's own planned for a later day (or none), soonest first; rest: newest
// first }. Tomorrow's booking comes before the user's own inspection planned for next month.
export function ordered(rows, user, today = localDay(new Date())) {
  const horizon = localDay(new Date(`${today}T12:00:00`).getTime() + BOOKED_DAYS_AHEAD * 24 * 3600 * 1000);
  const booked = [];
  const open = [];
  const later = [];
  const rest = [];
  for (const row of rows) {
    const { inspection } = row;
    if (inspection.status === 'planned' && inspection.planned_date && inspection.planned_date <= horizon) booked.push(row);
    else if (!isMine(inspection, user)) rest.push(row);
    else if (inspection.status === 'in_progress') open.push(row);
    else (inspection.status === 'planned' ? later : rest).push(row);
  }
  const newestFirst = (a, b) => moment(b.inspection).localeCompare(moment(a.inspection));
  const soonestFirst = (a, b) => -newestFirst(a, b);
  booked.sort(soonestFirst);
  open.sort(newestFirst);
  later.sort(soonestFirst);
  rest.sort(newestFirst);
  return { open, booked, later, rest };
}

function localDay(when) {
  const moment = new Date(when);
  return new Date(moment.getTime() - moment.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}
