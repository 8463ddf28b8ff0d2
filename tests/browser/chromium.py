"""Debian's Chromium driven by Playwright, and the checks a reader's browser would fail on.

Never ``playwright install`` (it downloads a browser): the project's ``make test`` installs
Debian's ``chromium`` when it is missing and it runs as root, as CI does.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 900}
MAX_DIGITS_PAGES = 15

# Elements whose right edge passes the viewport, except inside a box that scrolls (or clips) them itself.
OVERFLOWING = """
(limit) => {
  const out = [];
  const clips = (el) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= limit + 0.5) continue;
    let p = el.parentElement, contained = false;
    while (p && p !== document.body) {
      if (clips(p) && p.getBoundingClientRect().right <= limit + 0.5) { contained = true; break; }
      p = p.parentElement;
    }
    if (!contained) out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
  }
  return out;
}
"""
BROKEN_IMAGES = "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
OPEN_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
# The report's script draws each chart that has a spec (lca.reporting.vega_bundle) once the page is parsed:
# true once every one is drawn (a figure marked .interactive), so layout checks see the page a reader sees.
CHARTS_DRAWN = (
    "() => document.querySelectorAll('figure.interactive').length"
    " === document.querySelectorAll('script.lca-vega').length"
)
IMAGES_DECODED = "() => Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)))"


def artefacts_dir() -> Path:
    folder = Path(os.environ.get("LCA_TEST_ARTEFACTS", REPO / "var" / "test-artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def require_chromium() -> None:
    """Skip on a developer machine without Chromium; fail where the project's setup should have installed it."""
    if CHROMIUM.is_file():
        return
    if os.geteuid() == 0 or os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium) when run as root")
    pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium as root, or run `make test` as root)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


class PageProblems:
    """Console errors, page errors and failed requests seen by one page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} {r.failure}"))


def layout_problems(page) -> dict[str, list]:
    """What does not fit 1280 px or does not load, with every <details> closed and then open."""
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    closed = page.evaluate(OVERFLOWING, VIEWPORT["width"])
    page.evaluate(OPEN_DETAILS)
    page.evaluate(IMAGES_DECODED)
    return {
        "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
        "overflowing_closed": closed,
        "overflowing_open": page.evaluate(OVERFLOWING, VIEWPORT["width"]),
        "broken_images": page.evaluate(BROKEN_IMAGES),
    }


# A4 (210 mm) less the print stylesheet's 8 mm side margins (report_style.css.j2, @page), in CSS pixels (96 per inch).
A4_CONTENT_PX = round((210 - 2 * 8) / 25.4 * 96)


def print_overflow(browser, url: str) -> list[str]:
    """Elements wider than an A4 page's content in the print stylesheet, every <details> open.

    Chromium shrinks a whole printout to fit its widest element: one table running off the page
    would make every page smaller (and the page count lower) without anyone choosing to. Checked
    on a page of its own: media emulation stays on a page and would change what ``page.pdf`` prints.
    """
    page = browser.new_page(viewport={"width": A4_CONTENT_PX, "height": VIEWPORT["height"]})
    page.goto(url, wait_until="load")
    page.emulate_media(media="print")
    page.evaluate(OPEN_DETAILS)
    found = page.evaluate(OVERFLOWING, A4_CONTENT_PX)
    page.close()
    return found


# Boxes of the page (headings, paragraphs, tables, figures, lists, images) that intersect another box they
# neither contain nor sit in: in print, a table drawn over a paragraph, a figure over a heading.
OVERLAPPING = """
() => {
  const sel = 'h1, h2, h3, h4, p, table, figure, ul, ol, summary, img, .box';
  const boxes = [];
  for (const e of document.body.querySelectorAll(sel)) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    for (const r of e.getClientRects()) if (r.width > 1 && r.height > 1) boxes.push([e, r]);
  }
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '');
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    const [a, ra] = boxes[i];
    for (let j = i + 1; j < boxes.length; j++) {
      const [b, rb] = boxes[j];
      if (a === b || a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) {
        out.push(`${name(a)} and ${name(b)} overlap by ${Math.round(w)} x ${Math.round(h)} px near `
          + `"${(b.textContent || '').trim().slice(0, 50)}"`);
        if (out.length >= 20) return out;
      }
    }
  }
  return out;
}
"""


def print_overlaps(browser, url: str) -> list[str]:
    """Boxes drawn over each other in the print stylesheet, every <details> open (a page of its own, as above)."""
    page = browser.new_page(viewport={"width": A4_CONTENT_PX, "height": VIEWPORT["height"]})
    page.goto(url, wait_until="load")
    page.emulate_media(media="print")
    page.evaluate(OPEN_DETAILS)
    page.evaluate(IMAGES_DECODED)
    found = page.evaluate(OVERLAPPING)
    page.close()
    return found


def pdf_pages(page, save_as: Path | None = None) -> tuple[int, str]:
    """The page count of the page printed to A4 (print stylesheet), and its text."""
    from pypdf import PdfReader

    pdf = page.pdf(format="A4", print_background=True)
    if save_as is not None:
        save_as.write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(p.extract_text() or "" for p in reader.pages)


# Titles of the drawn charts (Vega's chart title and axis titles) that reach past their SVG, which clips them.
CUT_CHART_TITLES = """
() => {
  const out = [];
  for (const svg of document.querySelectorAll('figure.interactive svg')) {
    const s = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('.role-title-text text, .role-title-subtitle text, .role-axis-title text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || (r.width === 0 && r.height === 0)) continue;
      if (r.left < s.left - 0.5 || r.right > s.right + 0.5 || r.top < s.top - 0.5 || r.bottom > s.bottom + 0.5)
        out.push(`"${t.textContent.trim().slice(0, 60)}": `
          + `${Math.round(r.left - s.left)}..${Math.round(r.right - s.left)}`
          + ` of ${Math.round(s.width)} px wide, ${Math.round(r.top - s.top)}..${Math.round(r.bottom - s.top)}`
          + ` of ${Math.round(s.height)} px high`);
    }
  }
  return out;
}
"""

# Tables whose last column (the figure the table is for: energy per item, P(lower than reference)) is out of
# view in the box that scrolls them, and that box shows no cue that more is to the right (the report's
# scroll boxes draw a shadow on the side with more columns: a gradient background).
HIDDEN_KEY_COLUMNS = """
() => {
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const out = [];
  for (const table of document.querySelectorAll('table')) {
    if (table.offsetParent === null) continue;
    let box = table;
    while (box && box !== document.body && !scrolls(box)) box = box.parentElement;
    if (!box || box === document.body || box.scrollWidth <= box.clientWidth + 1) continue;
    const cells = table.querySelectorAll('tr:first-child > :last-child');
    if (!cells.length) continue;
    const last = cells[0].getBoundingClientRect(), b = box.getBoundingClientRect();
    if (last.right <= b.right + 0.5) continue;
    const cue = getComputedStyle(box).backgroundImage.includes('gradient');
    const head = (table.querySelector('th') || table).textContent.trim().slice(0, 30);
    out.push({table: head, last: cells[0].textContent.trim().slice(0, 40), cue: cue,
              hidden_px: Math.round(last.right - b.right)});
  }
  return out;
}
"""

# In print, each chart's PNG inside its figure: a PNG cut by its figure would cut its title.
IMAGES_OUTSIDE_FIGURES = """
() => Array.from(document.querySelectorAll('figure img')).filter(i => i.offsetParent !== null).filter(i => {
  const r = i.getBoundingClientRect(), f = i.closest('figure').getBoundingClientRect();
  return r.left < f.left - 0.5 || r.right > f.right + 0.5 || r.top < f.top - 0.5 || r.bottom > f.bottom + 0.5;
}).map(i => i.getAttribute('src'))
"""


def ink_at_edges(png: Path, margin: int = 2, darkest: int = 110) -> list[str]:
    """The edges of a chart's PNG that dark pixels (text, at ``darkest`` grey or darker) touch.

    Matplotlib draws a title or label that does not fit the figure cut at the figure's edge: its
    ink then runs to the PNG's border. A chart whose text fits keeps a white margin on every side.
    """
    import numpy as np
    from PIL import Image

    grey = np.asarray(Image.open(png).convert("L"))
    edges = {
        "top": grey[:margin],
        "bottom": grey[-margin:],
        "left": grey[:, :margin],
        "right": grey[:, -margin:],
    }
    return [name for name, strip in edges.items() if (strip <= darkest).any()]
