// Which cartons to open in a final inspection: the square root of the carton count, rounded up,
// drawn at random without replacement (crypto-grade randomness, so nobody can steer the draw).

export function cartonsToOpen(cartonCount) {
  return cartonCount > 0 ? Math.ceil(Math.sqrt(cartonCount)) : 0;
}

export function drawCartons(cartonCount, random = secureRandomBelow) {
  const wanted = cartonsToOpen(cartonCount);
  const chosen = new Set();
  while (chosen.size < wanted) chosen.add(1 + random(cartonCount));
  return [...chosen].sort((a, b) => a - b);
}

// A uniform integer in [0, n), without modulo bias.
export function secureRandomBelow(n) {
  const limit = Math.floor(0x100000000 / n) * n;
  const word = new Uint32Array(1);
  do crypto.getRandomValues(word); while (word[0] >= limit);
  return word[0] % n;
}

export function packedPercent(packed, ordered) {
  return ordered > 0 && packed != null ? Math.round((packed / ordered) * 1000) / 10 : null;
}
