"""The app in English, Simplified Chinese and Vietnamese: every key in every language, plural forms from
Intl.PluralRules, numbers and dates from Intl, the phone's language by default and a remembered switch, and the
main screens (the status bar included) fitting a 360 px phone in each."""

from __future__ import annotations

import re

import pytest
import world
from helpers import PIXEL_7, login, save_screenshot, wait_until
from test_app_screens import SCREENS

PHONE_LOCALES = {"en": "en-US", "zh": "zh-CN", "vi": "vi-VN"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
NARROW = {**PIXEL_7, "viewport": {"width": 360, "height": 780}}


def _tables(page, base):
    page.goto(base + "/")
    page.wait_for_selector("#email")
    return page.evaluate("""async () => {
        const { MESSAGES } = await import('/js/i18n.js');
        const categories = Object.fromEntries(Object.keys(MESSAGES).map((lang) =>
            [lang, new Intl.PluralRules(lang).resolvedOptions().pluralCategories]));
        return { messages: MESSAGES, categories };
    }""")


def _expected_keys(english, plural_bases, categories):
    """The keys a language must have: English's own keys, with each plural message in that language's forms."""
    plain = {k for k in english if not any(k.startswith(base + ".") and k.rsplit(".", 1)[1] in
                                           ("zero", "one", "two", "few", "many", "other") for base in plural_bases)}
    return plain | {f"{base}.{form}" for base in plural_bases for form in categories}


def _plural_bases(english):
    # A plural message has at least its 'one' and 'other' forms in English ('delay.other' alone is a plain key).
    return {k[: -len(".other")] for k in english if k.endswith(".other") and k[: -len(".other")] + ".one" in english}


def test_every_language_has_every_key_with_the_same_placeholders(page, live_app):
    base, _app = live_app
    found = _tables(page, base)
    messages, categories = found["messages"], found["categories"]
    english = messages["en"]
    plurals = _plural_bases(english)
    assert {"en", "zh", "vi"} <= set(messages)
    assert plurals, "no plural messages found: the plural forms are keyed base.one / base.other"
    problems = []
    for lang, table in messages.items():
        expected = _expected_keys(english, plurals, categories[lang])
        problems += [f"{lang}: missing {key}" for key in sorted(expected - set(table))]
        problems += [f"{lang}: {key} is not an English key" for key in sorted(set(table) - expected)]
        for key, text in table.items():
            plural = key.rsplit(".", 1)[0] if key.rsplit(".", 1)[0] in plurals else None
            reference = english[f"{plural}.other"] if plural else english.get(key)
            if reference is None:
                continue
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(reference)):
                problems.append(f"{lang}: {key} has {sorted(set(PLACEHOLDER.findall(text)))}, "
                                f"English {sorted(set(PLACEHOLDER.findall(reference)))}")
            if not text.strip():
                problems.append(f"{lang}: {key} is empty")
    assert problems == [], "\n".join(problems)


def test_plurals_numbers_and_dates_follow_the_language(page, live_app):
    base, _app = live_app
    page.goto(base + "/")
    page.wait_for_selector("#email")
    shown = page.evaluate("""async () => {
        const i18n = await import('/js/i18n.js');
        const result = {};
        for (const lang of ['en', 'zh', 'vi']) {
            i18n.setLocale(lang);
            result[lang] = {
                one: i18n.t('review.defects', { n: 1 }), two: i18n.t('review.defects', { n: 2 }),
                zero: i18n.t('review.defects', { n: 0 }), cartons: i18n.t('quantity.to_open', { n: 1 }),
                lot: i18n.t('inspection.lot', { lot: 12500 }), day: i18n.formatDay('2026-03-07'),
                stamp: i18n.formatDateTime('2026-03-07T09:05:00Z'),
                spec: i18n.t('check.far_from_spec', { value: 1250.5, spec: i18n.formatDecimal('1052.00'), unit: 'cm' }),
            };
        }
        return result;
    }""")
    assert shown["en"]["one"] == "1 defect recorded"
    assert shown["en"]["two"] == "2 defects recorded"
    assert shown["en"]["zero"] == "0 defects recorded"
    assert shown["en"]["cartons"] == "Open 1 carton, drawn at random."
    assert shown["en"]["lot"] == "Lot 12,500"
    assert shown["vi"]["lot"] == "Lô 12.500"  # Vietnamese groups thousands with a dot
    assert shown["zh"]["two"] == "已记录 2 个缺陷"
    assert shown["vi"]["one"] == "Đã ghi 1 lỗi"
    assert "Mar" in shown["en"]["day"] and "2026" in shown["en"]["day"]
    assert shown["zh"]["day"].startswith("2026年3月7日")
    assert "thg 3" in shown["vi"]["day"] or "tháng 3" in shown["vi"]["day"]
    assert shown["zh"]["stamp"].startswith("2026年3月7日")
    # An exact decimal from the server keeps its places, in the language's separators.
    assert shown["en"]["spec"].startswith("1,250.5 is more than half the spec (1,052.00 cm)")
    assert shown["vi"]["spec"].startswith("1.250,5 lệch khỏi thông số (1.052,00 cm)")


def _phone(browser, lang, **extra):
    return browser.new_context(**{**NARROW, **extra}, locale=PHONE_LOCALES[lang], service_workers="allow")


def test_the_phone_language_is_used_and_a_chosen_one_is_remembered(browser, live_app):
    base, _app = live_app
    context = _phone(browser, "vi")
    try:
        page = context.new_page()
        login(page, base)
        assert page.locator("[data-testid=nav-inspections]").inner_text() == "Kiểm hàng"
        assert page.evaluate("() => document.documentElement.lang") == "vi"
        page.goto(base + "/#/sync")
        page.wait_for_selector("[data-testid=language]")
        page.select_option("[data-testid=language]", "zh")
        wait_until(page, "() => document.querySelector('[data-testid=nav-sync]').textContent === '同步与手机'")
        wait_until(page, "() => document.querySelector('h1').textContent === '同步与本手机'")  # the open screen too
        page.reload()
        page.wait_for_selector("[data-testid=language]")
        assert page.locator("[data-testid=nav-inspections]").inner_text() == "检验"
        assert page.locator("[data-testid=language]").input_value() == "zh"
        # Offline the tables come from the service worker's shell, which lists every file under pwa/js.
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("[data-testid=language]")
        assert page.locator("[data-testid=nav-inspections]").inner_text() == "检验"
        context.set_offline(False)
        page.select_option("[data-testid=language]", "")  # back to the phone's language
        wait_until(page, "() => document.querySelector('[data-testid=nav-inspections]').textContent === 'Kiểm hàng'")
    finally:
        context.close()



@pytest.mark.parametrize("lang", ["en", "zh", "vi"])
def test_main_screens_fit_360px_in_each_language(browser, live_app, lang):
    base, _app = live_app
    context = _phone(browser, lang)
    try:
        page = context.new_page()
        login(page, base)
        assert page.evaluate("() => document.documentElement.lang") == lang
        for name, route, ready in SCREENS:
            page.goto(base + "/" + route)
            page.reload()
            page.wait_for_selector(ready)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            save_screenshot(page, f"screen-{lang}-{name}")
            assert width <= 360, f"{lang} {name}: {width} px wide"
    finally:
        context.close()


# Every part of the status bar inside the bar and the screen, none scrolled out of sight or cut off.
STATUS_FITS = """() => {
    const bar = document.getElementById('status');
    const box = bar.getBoundingClientRect();
    const cut = [...bar.children].filter((part) => {
        const r = part.getBoundingClientRect();
        return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.right > window.innerWidth
            || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5 || part.scrollWidth > part.clientWidth + 1;
    }).map((part) => part.textContent);
    return { cut, scrolls: bar.scrollWidth > bar.clientWidth + 1, text: bar.textContent,
             page: document.documentElement.scrollWidth };
}"""


@pytest.mark.parametrize("lang", ["en", "zh", "vi"])
def test_status_bar_fits_360px_with_state_waiting_work_and_last_sync(browser, live_app, lang):
    base, _app = live_app
    context = _phone(browser, lang)
    try:
        page = context.new_page()
        login(page, base)
        page.evaluate("async () => (await import('/js/sync.js')).syncNow()")
        wait_until(page, "() => Boolean(document.querySelector('#status .synced'))")
        context.set_offline(True)
        page.goto(base + f"/#/inspection/{world.INSPECTION_A}/tally")
        page.wait_for_selector("[data-testid=undo]")
        for _ in range(2):
            page.click("[data-testid=tally-WKM-001-major]")
        wait_until(page, "() => document.querySelector('[data-testid=pending]')?.textContent.startsWith('2')")
        wait_until(page, "() => document.querySelector('#status .dot.offline') !== null")
        fits = page.evaluate(STATUS_FITS)
        save_screenshot(page, f"status-bar-{lang}")
        assert fits["cut"] == [] and not fits["scrolls"], fits
        assert fits["page"] <= 360, fits
        offline, synced = page.evaluate("""async () => {
            const { t } = await import('/js/i18n.js');
            return [t('status.offline'), document.querySelector('#status .synced').textContent];
        }""")
        assert offline in fits["text"] and re.search(r"\d", synced), fits
    finally:
        context.close()
