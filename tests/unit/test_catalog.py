"""Sanity checks for the demo seed catalog (pure data, no app needed)."""

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from server.seed import catalog as c

CATEGORY_CODES = {pc.code for pc in c.PRODUCT_CATEGORIES}
# Preferred AQL values from ISO 2859-1 (plus "0" for zero tolerance).
ISO_AQLS = {
    "0", "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25",
    "0.40", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25",
}


def test_factories():
    codes = [f.code for f in c.FACTORIES]
    assert len(c.FACTORIES) >= 6
    assert len(set(codes)) == len(codes)
    assert len({f.country for f in c.FACTORIES}) >= 6
    for f in c.FACTORIES:
        assert len(f.country) == 2 and f.country.isupper()
        ZoneInfo(f.timezone)  # raises on unknown zone
        assert set(f.specialties) <= CATEGORY_CODES
        assert f.currency in c.CURRENCIES
    assert any(not f.steady_production for f in c.FACTORIES)
    assert any(f.steady_production for f in c.FACTORIES)
    # Every category can be produced somewhere.
    assert CATEGORY_CODES <= {s for f in c.FACTORIES for s in f.specialties}


def test_categories_and_size_scales():
    assert len(CATEGORY_CODES) == len(c.PRODUCT_CATEGORIES)
    for pc in c.PRODUCT_CATEGORIES:
        assert pc.label
        assert pc.base_size in c.SIZE_SCALES[pc.size_scale]


def test_defect_library():
    defects = c.DEFECT_LIBRARY
    assert len(defects) >= 48
    codes = [d.code for d in defects]
    assert len(set(codes)) == len(codes)
    assert len({d.name.lower() for d in defects}) == len(defects)
    for d in defects:
        assert d.category in c.DEFECT_CATEGORIES
        assert d.default_severity in c.SEVERITIES
        assert isinstance(d.names_translated, dict)
    # Every category and severity is represented.
    assert {d.category for d in defects} == set(c.DEFECT_CATEGORIES)
    assert {d.default_severity for d in defects} == set(c.SEVERITIES)
    hash(defects[0])


# The languages the app's screens come in besides English (pwa/js/messages/): every defect needs a name in each.
APP_LANGUAGES = ("zh", "vi")
CJK = re.compile(r"[\u4e00-\u9fff]")
VIETNAMESE_LETTERS = re.compile(r"[\u00c0-\u024f\u1ea0-\u1ef9]")  # Latin letters with Vietnamese diacritics


def test_every_defect_has_a_chinese_and_a_vietnamese_name():
    missing = [(d.code, lang) for d in c.DEFECT_LIBRARY for lang in APP_LANGUAGES if not d.names_translated.get(lang, "").strip()]
    assert missing == []
    for d in c.DEFECT_LIBRARY:
        zh, vi = d.names_translated["zh"], d.names_translated["vi"]
        assert CJK.search(zh), (d.code, zh)  # Chinese characters, not a copy of the English name
        assert vi != d.name and VIETNAMESE_LETTERS.search(vi), (d.code, vi)
        assert all(len(name) <= 200 for name in d.names_translated.values())  # the API's limit
    # One name, one defect: a search in either language finds the right row.
    for lang in APP_LANGUAGES:
        names = [d.names_translated[lang] for d in c.DEFECT_LIBRARY]
        assert len(set(names)) == len(names), [n for n in names if names.count(n) > 1]


def test_seasons():
    codes = [s.code for s in c.SEASONS]
    assert len(codes) >= 3 and len(set(codes)) == len(codes)


def test_style_templates():
    names = [s.name for s in c.STYLE_TEMPLATES]
    assert len(set(names)) >= 40
    assert len(set(names)) == len(names)
    categories = {pc.code: pc for pc in c.PRODUCT_CATEGORIES}
    for s in c.STYLE_TEMPLATES:
        pc = categories[s.category]
        scale = c.SIZE_SCALES[pc.size_scale]
        assert s.colourways and len(set(s.colourways)) == len(s.colourways)
        assert pc.base_size in s.sizes
        start = scale.index(s.sizes[0])
        assert scale[start:start + len(s.sizes)] == s.sizes, s.name
        pom_codes = {p.code for p in c.MEASUREMENT_POINTS[s.category]}
        assert {o[0] for o in s.pom_overrides} <= pom_codes, s.name
        assert set(s.pom_omit) <= pom_codes, s.name
    assert {s.category for s in c.STYLE_TEMPLATES} == set(categories)
    assert c.STYLE_NUMBER_FORMAT.format(yy=26, seq=c.STYLE_NUMBER_START) == "SL-26-1001"


def test_measurement_points():
    assert set(c.MEASUREMENT_POINTS) == CATEGORY_CODES
    for cat, points in c.MEASUREMENT_POINTS.items():
        assert 5 <= len(points) <= 8, cat
        codes = [p.code for p in points]
        assert len(set(codes)) == len(codes), cat
        for p in points:
            assert p.base_cm > 0 and p.grade_cm >= 0
            assert p.tol_minus_cm >= 0 and p.tol_plus_cm > 0
            assert p.tol_minus_cm + p.tol_plus_cm <= 3.5


def test_checklists():
    assert set(c.CHECKLIST_TEMPLATES) == set(c.INSPECTION_TYPES)
    assert set(c.CHECKLIST_CATEGORY_EXTRAS) <= set(c.INSPECTION_TYPES)
    items = [i for t in c.CHECKLIST_TEMPLATES.values() for i in t]
    for per_cat in c.CHECKLIST_CATEGORY_EXTRAS.values():
        assert set(per_cat) <= CATEGORY_CODES
        items += [i for extra in per_cat.values() for i in extra]
    for t in c.INSPECTION_TYPES:
        assert len(c.CHECKLIST_TEMPLATES[t]) >= 5
    codes = [i.code for i in items]
    assert len(set(codes)) == len(codes)
    assert all(i.text and i.section for i in items)


def test_aql_defaults():
    assert set(c.AQL_DEFAULTS) == CATEGORY_CODES
    settings = [c.DEFAULT_AQL]
    for cat, per_type in c.AQL_DEFAULTS.items():
        assert set(per_type) == set(c.INSPECTION_TYPES), cat
        settings += per_type.values()
    for s in settings:
        assert s.inspection_level in c.INSPECTION_LEVELS
        assert s.critical == "0"
        assert {s.major, s.minor} <= ISO_AQLS
        assert Decimal(s.major) <= Decimal(s.minor)


def test_delay_reasons_and_prices():
    codes = [code for code, _ in c.DELAY_REASONS]
    assert len(set(codes)) == len(codes)
    assert {"late_fabric", "late_trims", "sample_approval_pending",
            "quality_rework", "capacity", "shipping", "other"} <= set(codes)
    assert set(c.UNIT_PRICE_RANGES) == CATEGORY_CODES
    for ranges in c.UNIT_PRICE_RANGES.values():
        assert set(ranges) == set(c.CURRENCIES)
        for low, high in ranges.values():
            assert Decimal("0") < Decimal(low) < Decimal(high)
