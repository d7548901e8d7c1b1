// Where a day sits on a production order's timeline. Every stage's planned and actual day, the ex-factory date
// and the projected ship date share one axis, from the earliest to the latest of them, so a stage reached late
// reads as its actual mark to the right of its planned one, and the ship date as a line across every stage.

// { from, to } of the ISO days given (empty ones left out), or null when there is none.
export function span(days) {
  const known = days.filter(Boolean).sort();
  return known.length ? { from: known[0], to: known[known.length - 1] } : null;
}

// A day's place on the span, in percent from its start (a span of one day puts it in the middle).
export function position(day, { from, to }) {
  const length = dayNumber(to) - dayNumber(from);
  return length ? ((dayNumber(day) - dayNumber(from)) / length) * 100 : 50;
}

function dayNumber(iso) {
  return Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;
}
