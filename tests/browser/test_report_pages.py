"""Each built-in study's report as a reader's browser shows and prints it (Debian's Chromium, headless)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lca.reporting import chart_style
from tests.browser import chromium
from tests.browser.reports import TINY_STUDIES, extra_reports, latest_report, stored_run_report, tiny_report

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Each text of the drawn charts with its size on screen: the SVG's font size times its scale on the page
# (the length of the transform's first column, so a rotated axis title counts at its size).
CHART_TEXTS = """() => Array.from(document.querySelectorAll('figure.interactive svg text'))
  .filter(t => t.textContent.trim())
  .map(t => { const m = t.getScreenCTM();
    return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)]; })"""


@pytest.fixture(scope="module")
def browser():
    chromium.require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = chromium.launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def real_report(tmp_path_factory) -> Path:
    """A real digits run's report (tests/data/digits_run.tar.xz), published again by today's report stage."""
    return stored_run_report(tmp_path_factory.mktemp("digits-run"))


def _open(browser, url: str):
    page = browser.new_page(viewport=chromium.VIEWPORT)
    problems = chromium.PageProblems(page)
    page.goto(url, wait_until="load")
    return page, problems


def _check_screen(browser, report: Path, name: str) -> None:
    page, problems = _open(browser, (report / "report.html").as_uri())
    page.screenshot(path=str(chromium.artefacts_dir() / f"{name}-top.png"))
    layout = chromium.layout_problems(page)
    page.screenshot(path=str(chromium.artefacts_dir() / f"{name}-full.png"), full_page=True)
    page.close()

    assert layout["scroll_width"] <= chromium.VIEWPORT["width"], layout
    assert layout["overflowing_closed"] == [] and layout["overflowing_open"] == [], layout
    assert layout["broken_images"] == []
    assert problems.errors == []
    shown = {Path(src).name for src in _image_sources(report)}
    assert shown == {p.name for p in report.glob("*.png")}  # every chart written is in the page


def _image_sources(report: Path) -> list[str]:
    import re

    page = re.sub(r"<script\b.*?</script>", "", (report / "report.html").read_text(), flags=re.S)  # not the JS
    return re.findall(r'<img[^>]+src="([^"]+)"', page)


@pytest.mark.parametrize("study", TINY_STUDIES)
def test_each_built_in_studys_report_fits_1280_px_and_loads_every_image_without_error(browser, study):
    _check_screen(browser, tiny_report(study), study)


def test_a_real_digits_runs_report_prints_to_at_most_15_a4_pages_and_says_where_each_table_left_out_is(
    browser, real_report
):
    url = (real_report / "report.html").as_uri()
    too_wide = chromium.print_overflow(browser, url)
    drawn_over = chromium.print_overlaps(browser, url)
    page, problems = _open(browser, url)
    page.emulate_media(media="print")
    page.evaluate(chromium.OPEN_DETAILS)
    page.evaluate(chromium.IMAGES_DECODED)
    cut_pngs = page.evaluate(chromium.IMAGES_OUTSIDE_FIGURES)
    pages, text = chromium.pdf_pages(page, chromium.artefacts_dir() / "digits-run-report.pdf")
    page.close()
    text = " ".join(text.split())

    assert too_wide == [], too_wide  # nothing shrinks the printout to fit (which would hide the real page count)
    assert drawn_over == [], drawn_over  # no box printed over another (issue 23: "ML: bas100%ine")
    assert cut_pngs == [], cut_pngs  # each chart's PNG whole inside its figure
    assert pages <= chromium.MAX_DIGITS_PAGES, f"{pages} A4 pages"
    # the print stylesheet opens every <details>: their content is in the PDF
    assert "What each variant is and how it was obtained" in text and "Hardware" in text
    # each table print leaves out is named, with the file that holds every figure of it (issue 23)
    for table in ("inventory_stages.csv", "energy_windows.csv", "runtime_sweep.csv", "latency.csv", "monte_carlo"):
        assert table in text, table
    assert "tables.xlsx" in text
    xlsx_sheets = _sheets(real_report / "tables.xlsx")
    assert {"inventory_stages", "energy_windows", "runtime_sweep", "latency"} <= xlsx_sheets, xlsx_sheets
    assert problems.errors == []


def _sheets(path: Path) -> set[str]:
    from openpyxl import load_workbook

    return set(load_workbook(path, read_only=True).sheetnames)


@pytest.mark.parametrize("viewport", [chromium.VIEWPORT, PHONE], ids=lambda v: f"{v['width']}px")
def test_a_real_digits_runs_report_fits_the_screen_with_whole_chart_titles_and_key_columns_in_view_or_cued(
    browser, real_report, viewport
):
    page = browser.new_page(viewport=viewport)
    problems = chromium.PageProblems(page)
    page.goto((real_report / "report.html").as_uri(), wait_until="load")
    page.wait_for_function(chromium.CHARTS_DRAWN, timeout=30_000)
    page.evaluate(chromium.IMAGES_DECODED)
    wide_closed = page.evaluate(chromium.OVERFLOWING, viewport["width"])
    page.evaluate(chromium.OPEN_DETAILS)
    wide_open = page.evaluate(chromium.OVERFLOWING, viewport["width"])
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    cut_titles = page.evaluate(chromium.CUT_CHART_TITLES)
    hidden = page.evaluate(chromium.HIDDEN_KEY_COLUMNS)
    texts = page.evaluate(CHART_TEXTS)
    broken = page.evaluate(chromium.BROKEN_IMAGES)
    page.screenshot(path=str(chromium.artefacts_dir() / f"digits-run-{viewport['width']}.png"), full_page=True)
    page.close()

    assert scroll_width <= viewport["width"] and wide_closed == [] and wide_open == [], (wide_closed, wide_open)
    assert cut_titles == [], cut_titles
    assert [h for h in hidden if not h["cue"]] == [], hidden  # a table cut at its key column shows that it scrolls
    if viewport == chromium.VIEWPORT:  # at 1280 px every table shows its key column without scrolling
        assert hidden == [], hidden
        assert texts and [(t, round(px, 1)) for t, px in texts if px < 10] == []
    assert broken == [] and problems.errors == []


def test_a_real_digits_runs_chart_pngs_keep_their_titles_and_labels_inside_the_image(real_report):
    """What prints is each chart's PNG: text that does not fit is cut at the image's edge, so no ink may touch it."""
    pngs = sorted(real_report.glob("*.png"))
    assert pngs
    assert {p.name: edges for p in pngs if (edges := chromium.ink_at_edges(p))} == {}


@pytest.mark.parametrize("report", extra_reports() or [None], ids=lambda p: p.parent.name if p else "none")
def test_a_report_named_on_the_command_line_passes_the_same_checks(browser, report):
    """LCA_BROWSER_REPORTS=reports/digits/<run> checks the report a real `make demo` wrote."""
    if report is None:
        pytest.skip("set LCA_BROWSER_REPORTS to check reports written outside this session")
    _check_screen(browser, report, f"extra-{report.name}")
    assert chromium.print_overflow(browser, (report / "report.html").as_uri()) == []
    page, _ = _open(browser, (report / "report.html").as_uri())
    pages, _ = chromium.pdf_pages(page, chromium.artefacts_dir() / f"extra-{report.name}.pdf")
    page.close()
    if report.parent.name == "digits":
        assert pages <= chromium.MAX_DIGITS_PAGES, f"{pages} A4 pages"


# The size a chart's text is drawn at in its PNG (lca.reporting.chart_style: points at the charts' 110 dpi).
CHART_TEXT_PX = chart_style.TEXT * 110 / 72
# The PNGs shown on screen (a chart drawn by the report's script hides its PNG until print: its text is checked below).
CHART_SCALES = (
    "() => Array.from(document.images).filter(i => i.clientWidth > 0)"
    ".map(i => [i.getAttribute('src'), i.clientWidth / i.naturalWidth])"
)


def test_the_report_of_a_real_run_fits_a_phone_and_its_chart_text_is_at_least_10_px_at_1280(browser):
    report = tiny_report("tiny_digits")
    phone = browser.new_page(viewport=PHONE)
    problems = chromium.PageProblems(phone)
    phone.goto((report / "report.html").as_uri(), wait_until="load")
    phone.wait_for_function(chromium.CHARTS_DRAWN, timeout=30_000)
    phone.evaluate(chromium.OPEN_DETAILS)
    phone.evaluate(chromium.IMAGES_DECODED)
    wide = phone.evaluate(chromium.OVERFLOWING, PHONE["width"])
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(chromium.artefacts_dir() / "tiny_digits-phone.png"), full_page=True)
    phone.close()
    screen, _ = _open(browser, (report / "report.html").as_uri())
    screen.evaluate(chromium.IMAGES_DECODED)
    scales = screen.evaluate(CHART_SCALES)
    screen.close()

    assert scroll_width <= PHONE["width"] and wide == [], wide
    assert problems.errors == []
    small = [(src, round(CHART_TEXT_PX * scale, 1)) for src, scale in scales if CHART_TEXT_PX * scale < 10]
    assert [s for s in small if "scores_" in s[0]] == [], small


def test_the_history_page_of_a_study_fits_and_shows_its_charts(browser):
    report = latest_report("tiny_digits") or tiny_report("tiny_digits")
    page, problems = _open(browser, (report.parent / "history.html").as_uri())
    layout = chromium.layout_problems(page)
    page.screenshot(path=str(chromium.artefacts_dir() / "tiny_digits-history.png"), full_page=True)
    runs = page.locator("tbody tr").count()
    page.close()

    assert runs >= 1
    assert layout["overflowing_open"] == [] and layout["broken_images"] == [] and problems.errors == []


# How many interactive charts and PNGs the current media (screen or print) shows.
SHOWN = """() => ({
  charts: Array.from(document.querySelectorAll('.vega-chart')).filter(e => e.offsetParent !== null).length,
  pngs: Array.from(document.querySelectorAll('img.chart')).filter(e => e.offsetParent !== null).length,
})"""


def test_the_charts_are_drawn_offline_from_the_report_alone_with_their_titles_and_units_and_print_as_pngs(browser):
    report = tiny_report("tiny_digits")
    page = browser.new_page(viewport=chromium.VIEWPORT)
    problems = chromium.PageProblems(page)
    fetched: list[str] = []

    def offline(route):  # the machine may have no network: anything but the report's own files fails
        fetched.append(route.request.url)
        route.abort()

    page.route("http*://**/*", offline)
    page.goto((report / "report.html").as_uri(), wait_until="load")
    specs = page.locator("script.lca-vega").count()
    page.wait_for_function(chromium.CHARTS_DRAWN, timeout=30_000)
    texts = page.evaluate(CHART_TEXTS)
    page.locator("figure.interactive").first.screenshot(path=str(chromium.artefacts_dir() / "interactive-chart.png"))
    on_screen = page.evaluate(SHOWN)
    page.emulate_media(media="print")
    in_print = page.evaluate(SHOWN)
    page.close()

    pngs = len(list(report.glob("*.png")))
    assert specs == pngs > 0 and fetched == [] and problems.errors == []
    assert on_screen == {"charts": specs, "pngs": 0} and in_print == {"charts": 0, "pngs": pngs}
    words = " ".join(text for text, _ in texts)
    assert "per functional unit" in words and "kg CO2-Eq" in words and "climate change" in words
    assert [(text, round(px, 1)) for text, px in texts if px < 10] == []
