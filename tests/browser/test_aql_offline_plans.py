"""The app computes the same plans as the server, from the tables the server serves."""

from __future__ import annotations

import itertools

import world

from server.aql import AQL_COLUMNS, INSPECTION_STATES, LEVELS, plan_for

LOT_SIZES = [1, 2, 8, 9, 15, 16, 25, 26, 50, 51, 90, 91, 150, 151, 280, 281, 500, 501, 1200, 1201, 3200, 3201,
             10000, 10001, 35000, 35001, 150000, 150001, 500000, 500001, 2000000]
AQLS = ["0", *AQL_COLUMNS]

BROWSER_GRID = """
async ([email, password, lotSizes, levels, aqls, states]) => {
  const login = await fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                    body: JSON.stringify({email, password})});
  if (!login.ok) throw new Error('login failed ' + login.status);
  const tables = await (await fetch('/api/v1/aql/tables')).json();
  const aql = await import('/js/aql.js');
  const out = {};
  for (const lot of lotSizes) for (const level of levels) for (const a of aqls) for (const state of states) {
    out[[lot, level, a, state].join('|')] = aql.planFor(tables, lot, level, a, state);
  }
  return out;
}
"""


def test_browser_plans_equal_server_plans_over_a_grid(page, live_app):
    base, _app = live_app
    page.goto(base + "/")
    email = world.PERSONAS["inspector_a"][0]
    browser_plans = page.evaluate(BROWSER_GRID, [email, world.PASSWORD, LOT_SIZES, list(LEVELS), AQLS,
                                                 list(INSPECTION_STATES)])
    grid = list(itertools.product(LOT_SIZES, LEVELS, AQLS, INSPECTION_STATES))
    assert len(browser_plans) == len(grid)
    mismatches = []
    for lot, level, aql, state in grid:
        expected = plan_for(lot, level, aql, state).as_dict()
        if browser_plans[f"{lot}|{level}|{aql}|{state}"] != expected:
            mismatches.append((lot, level, aql, state))
    assert not mismatches, f"{len(mismatches)} plans differ, e.g. {mismatches[:5]}"
    # And the server's HTTP answer is the same function's.
    response = page.evaluate("async () => (await fetch('/api/v1/aql/plan?lot_size=3201&level=S-4&aql=0.65"
                             "&inspection=tightened')).json()")
    assert response == browser_plans["3201|S-4|0.65|tightened"]
