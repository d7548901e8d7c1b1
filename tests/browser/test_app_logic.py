"""The app's own rules, run in Chromium as the app runs them: cartons to open, tolerance, verdict, disposition."""

from __future__ import annotations

import math


def _run(page, base, script, arg=None):
    page.goto(base + "/")
    page.wait_for_selector("#email")
    return page.evaluate(script, arg)


def test_cartons_measurements_verdict_and_disposition(page, live_app):
    base, _app = live_app
    counts = [1, 2, 3, 4, 5, 9, 10, 40, 99, 100, 101, 1000]
    result = _run(page, base, """async (counts) => {
        const cartons = await import('/js/cartons.js');
        const { outOfTolerance } = await import('/js/screens/measurements.js');
        const { judge } = await import('/js/plan.js');
        const { proposedDisposition } = await import('/js/screens/review.js');
        const draws = counts.map((n) => cartons.drawCartons(n));
        const below = Array.from({ length: 2000 }, () => cartons.secureRandomBelow(7));
        const spec = { spec_value: '52.00', tolerance_minus: '1.00', tolerance_plus: '0.50' };
        const plans = { critical: { accept: 0, reject: 1 }, major: { accept: 2, reject: 3 }, minor: { accept: 3, reject: 4 } };
        const defects = (c, M, m) => [...Array(c).fill('critical'), ...Array(M).fill('major'), ...Array(m).fill('minor')]
            .map((severity) => ({ severity }));
        return {
            wanted: counts.map(cartons.cartonsToOpen),
            draws,
            belowSeen: [...new Set(below)].sort(),
            percent: [cartons.packedPercent(950, 1000), cartons.packedPercent(1, 3), cartons.packedPercent(null, 10),
                      cartons.packedPercent(5, 0)],
            tolerance: ['51.00', '50.99', '52.50', '52.51', '52'].map((v) => outOfTolerance(spec, v)),
            verdicts: [judge(plans, defects(0, 2, 3)), judge(plans, defects(0, 3, 0)), judge(plans, defects(1, 0, 0))]
                .map((j) => [j.overall, proposedDisposition(j)]),
        };
    }""", counts)
    assert result["wanted"] == [math.ceil(math.sqrt(n)) for n in counts]
    for n, draw in zip(counts, result["draws"], strict=False):
        assert len(draw) == len(set(draw)) == math.ceil(math.sqrt(n)), (n, draw)
        assert draw == sorted(draw) and all(1 <= c <= n for c in draw)
    assert result["draws"][0] == [1]
    assert result["belowSeen"] == list(range(7))  # every value reachable, none outside
    assert result["percent"] == [95, 33.3, None, None]
    assert result["tolerance"] == [False, True, False, True, False]  # the tolerance limits themselves are in
    assert result["verdicts"] == [["pass", "release"], ["fail", "rework_reinspect"], ["fail", "reject"]]
