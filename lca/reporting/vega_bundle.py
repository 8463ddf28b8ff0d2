"""The report's one script: Vega, Vega-Lite and Vega-Embed (from the ``vl-convert-python`` package) and the code
that draws each chart.

Why Vega-Lite: a chart is a JSON spec, so the report carries data, titles, units and intervals as data (no code
per chart); the bundle is about 0.9 MB (0.3 MB gzipped) where plotly's ``plotly.min.js`` is 4.8 MB; it is
BSD-3-Clause; and ``vl-convert-python`` ships it inside the wheel, so nothing is fetched when a report is
written or read (README, "Interactive charts").

The script is written once per report, inline, and only reads the specs the page holds in
``<script type="application/json" class="lca-vega">`` blocks: it fetches nothing. Each chart's PNG stays in its
figure: it is what prints, and what shows where scripts do not run. The Airflow plugin lets exactly this script
run by its hash (``manifest.json``, ``scripts_sha256``); Vega compiles its expressions with ``Function``, so the
plugin's policy also allows ``'unsafe-eval'`` for report pages.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from markupsafe import Markup

SCRIPT_TAG = '<script id="lca-charts">'  # as report.html.j2 writes it
# Runs once the page is parsed (the script is the body's last element): each spec block is drawn into the
# figure that holds it; a figure whose chart drew is marked, and the stylesheet then shows it instead of the PNG.
DRAW = """
for (const block of document.querySelectorAll('script.lca-vega')) {
  const figure = block.closest('figure');
  const target = figure.querySelector('.vega-chart');
  vegaEmbed(target, JSON.parse(block.textContent), {actions: false, renderer: 'svg'})
    .then(() => figure.classList.add('interactive'))
    .catch((error) => { target.remove(); console.warn('chart not drawn, the PNG stays:', error); });
}
"""


@lru_cache(maxsize=1)
def script() -> Markup:
    """The libraries and :data:`DRAW`, as one inline script's text (about 0.9 MB; built once per process)."""
    import vl_convert

    text = vl_convert.javascript_bundle(DRAW)
    if "</script" in text.lower():  # would end the inline <script> early
        raise ValueError("vl-convert's JavaScript bundle contains '</script': it cannot be written inline")
    return Markup(text)


def sha256() -> str:
    """The script's CSP hash (base64 SHA-256 of its text), as ``manifest.json`` records it for the Airflow plugin."""
    return base64.b64encode(hashlib.sha256(str(script()).encode("utf-8")).digest()).decode("ascii")


def spec_json(spec: dict[str, Any]) -> Markup:
    """A spec as the text of a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped as
    JSON escapes, so no label can close the block or open a tag."""
    text = json.dumps(_rounded(spec), separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _rounded(value: Any) -> Any:
    """Floats to 4 significant digits (the charts show 3): the page carries the figures, not their noise."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value
