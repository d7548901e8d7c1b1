// Why a factory's class is on normal, tightened, reduced or discontinued inspection, in the screens' language.
// The server serves each reason as a code with its parameters (server/aql/switching.py REASON_CODES and
// NOTE_CODES) beside its English sentence; the phone words the code from its messages and falls back to the
// server's sentence for a code it does not know (a newer server) or an answer kept from before codes were served.
import { formatList, hasMessage, t } from './i18n.js';

// The parameters as the messages show them: lots as a list in the language's own way ("A, B and C", "A、B和C"),
// a state by its name, a count as n (so a message can take its plural form from it).
function shownParams(params = {}) {
  const shown = { ...params };
  if (Array.isArray(params.lots)) shown.lots = formatList(params.lots);
  if (params.state) shown.state = t(`switching.${params.state}`);
  if (typeof params.count === 'number') shown.n = params.count;
  return shown;
}

function worded(key, params) {
  return hasMessage(key) ? t(key, shownParams(params)) : null;
}

// One class's reason: the main one and the clauses added to it, or the server's sentence.
export function classReason(state) {
  const main = state.reason_code ? worded(`switching.reason.${state.reason_code}`, state.reason_params) : null;
  const notes = (state.reason_notes || []).map((note) => worded(`switching.note.${note.code}`, note.params));
  if (main === null || notes.includes(null)) return state.reason;
  return notes.reduce((reason, note) => t('switching.reason_with_note', { reason, note }), main);
}

// A factory's reason: that of each class in the factory's (worst) state, named by its class.
export function factoryReason(row) {
  const classes = Object.entries(row.classes || {}).filter(([, c]) => c.state === row.state);
  if (!classes.length || classes.some(([, c]) => !c.reason_code)) return row.reason;
  return classes.map(([cls, c]) => t('switching.class_reason', { class: t(`class.${cls}`), reason: classReason(c) })).join(' ');
}
