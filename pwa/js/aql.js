// ISO 2859-1:1999 single sampling plans, computed offline from the tables
// document the server serves with the vocabulary (the very data the server
// uses). A port of server/aql/plans.py; tests compare the two over a grid.

export const INSPECTION_STATES = ['normal', 'tightened', 'reduced'];
export const ZERO_TOLERANCE_AQL = '0';

export class AqlError extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

// "4", "4.00" and 4 all name the column printed as "4.0"; "0" is zero tolerance.
export function normalizeAql(tables, value) {
  const text = String(value).trim();
  if (text === '' || !/^[0-9]*\.?[0-9]+$/.test(text)) {
    throw new AqlError('aql', `AQL must be a number such as 2.5, got ${JSON.stringify(value)}`);
  }
  const number = Number(text);
  if (number === 0) return ZERO_TOLERANCE_AQL;
  const label = tables.aql_columns.find((column) => Number(column) === number);
  if (label === undefined) {
    throw new AqlError('aql', `${text} is not an AQL of ISO 2859-1 Tables 2`);
  }
  return label;
}

export function codeLetterFor(tables, lotSize, level) {
  const row = tables.table_1.lot_size_ranges.find((r) => r.max === null || lotSize <= r.max);
  return row.letters[level];
}

// Follow the arrows of one master table to the first plan in their direction;
// that plan's own letter and sample size are used.
export function tablePlan(tables, inspection, codeLetter, aql) {
  const table = tables.tables[inspection];
  const order = tables.letter_order.filter((letter) => letter in table.rows);
  if (aql === ZERO_TOLERANCE_AQL) {
    return { letter: codeLetter, sampleSize: table.rows[codeLetter].sample_size, accept: 0, reject: 1 };
  }
  let i = order.indexOf(codeLetter);
  let cell = table.rows[order[i]].cells[aql];
  if (cell === 'down' || cell === 'up') {
    const step = cell === 'down' ? 1 : -1;
    do {
      i += step;
      cell = table.rows[order[i]].cells[aql];
    } while (!Array.isArray(cell));
  }
  const letter = order[i];
  return { letter, sampleSize: table.rows[letter].sample_size, accept: cell[0], reject: cell[1] };
}

export function planFor(tables, lotSize, level, aql, inspection = 'normal') {
  if (!Number.isInteger(lotSize) || lotSize < 1) {
    throw new AqlError('lot_size', `lot size must be a whole number of at least 1, got ${lotSize}`);
  }
  const cleanLevel = String(level).trim().toUpperCase();
  if (!tables.levels.includes(cleanLevel)) {
    throw new AqlError('level', `inspection level must be one of ${tables.levels.join(', ')}`);
  }
  const cleanInspection = String(inspection).trim().toLowerCase();
  if (!INSPECTION_STATES.includes(cleanInspection)) {
    throw new AqlError('inspection', `inspection must be one of ${INSPECTION_STATES.join(', ')}`);
  }
  const column = normalizeAql(tables, aql);
  const codeLetter = codeLetterFor(tables, lotSize, cleanLevel);
  const plan = tablePlan(tables, cleanInspection, codeLetter, column);
  const fullInspection = plan.sampleSize >= lotSize;
  return {
    code_letter: codeLetter,
    plan_letter: plan.letter,
    sample_size: fullInspection ? lotSize : plan.sampleSize,
    accept: plan.accept,
    reject: plan.reject,
    full_inspection: fullInspection,
    tables: 'ISO 2859-1:1999',
  };
}

