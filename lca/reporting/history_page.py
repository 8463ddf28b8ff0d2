"""The history page of a study: what changed between runs, what moved, and one chart per impact category.

Read from the table :mod:`lca.reporting.history` builds from every run's rows; nothing here
touches the artefact store, so the page can be rendered from any table of runs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any


def run_summaries(table) -> list[dict[str, Any]]:
    """One entry per run, oldest first: its fingerprints, what changed since the previous run, what moved."""
    runs: list[dict[str, Any]] = []
    previous_rows: dict[tuple[str, str], dict[str, Any]] = {}
    previous: dict[str, Any] | None = None
    for run_id, part in _by_run(table):
        rows = part.to_dict("records")
        head = rows[0]
        flagged = [
            f"{r['label']} ({r['method'].split(' | ')[-1]}): "
            f"{_sig(previous_rows[(r['scenario'], r['method'])]['score'])}"
            f" -> {_sig(r['score'])}"
            for r in rows
            if (r["scenario"], r["method"]) in previous_rows and moved(previous_rows[(r["scenario"], r["method"])], r)
        ]
        runs.append(
            {
                "run_id": run_id,
                "run_folder": head["run_folder"],
                "completed_at": head["completed_at"],
                "code_version": head["code_version"],
                "energy_method": head["energy_method"],
                "host": head["host"],
                "source_run": head["source_run"],
                "overrides": _overrides_text(head["overrides"]),
                "changes": changes(previous, head) if previous is not None else [],
                "first": previous is None,
                "flagged": flagged,
            }
        )
        previous = head
        previous_rows = {(r["scenario"], r["method"]): r for r in rows}
    return runs


def _by_run(table):
    order = table.groupby("run_id", sort=False)["completed_at"].min().sort_values(kind="stable")
    return [(run_id, table[table["run_id"] == run_id]) for run_id in order.index]


def history_chart(path: Path, part, method: str, run_order: list[str]) -> None:
    """One small panel per scenario: its score at each run, with the 95 % Monte Carlo interval as error bars."""
    import numpy as np
    from matplotlib.figure import Figure

    scenarios = list(dict.fromkeys(part["scenario"]))
    ncols = min(5, len(scenarios))
    nrows = -(-len(scenarios) // ncols)
    # A fixed grid, not the constrained layout: that engine costs seconds with a panel per scenario.
    fig = Figure(figsize=(2.3 * ncols + 0.6, 1.9 * nrows + 0.7))
    fig.subplots_adjust(
        left=0.06, right=0.99, bottom=0.12 / nrows, top=1 - 0.45 / (1.9 * nrows + 0.7), wspace=0.35, hspace=0.55
    )
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    position = {run_id: k for k, run_id in enumerate(run_order)}
    unit = part["unit"].iloc[0]
    for ax, scenario in zip(axes, scenarios):
        rows = part[part["scenario"] == scenario].assign(x=lambda d: d["run_id"].map(position)).sort_values("x")
        x, y = rows["x"].to_numpy(float), rows["score"].to_numpy(float)
        low = (y - rows["mc_p2_5"].to_numpy(float)).clip(min=0)
        high = (rows["mc_p97_5"].to_numpy(float) - y).clip(min=0)
        has = np.isfinite(low) & np.isfinite(high)
        reference = bool(rows["is_reference"].iloc[0])
        color = "#d9822b" if reference else "#2b6cb0"
        ax.errorbar(x[has], y[has], yerr=[low[has], high[has]], fmt="none", ecolor=color, alpha=0.45, capsize=3)
        ax.plot(x, y, "o-", color=color, ms=4, lw=1)
        ax.set_title(str(rows["label"].iloc[0]).replace("ML: ", ""), fontsize=8)
        ax.set_xticks(range(len(run_order)), [str(k + 1) for k in range(len(run_order))], fontsize=7)
        ax.set_xlim(-0.5, len(run_order) - 0.5)
        ax.tick_params(axis="y", labelsize=7)
    for ax in axes[len(scenarios) :]:
        ax.set_visible(False)
    fig.suptitle(f"{method} [{unit}] per run (1 = oldest); bars: 95 % Monte Carlo interval", fontsize=9)
    fig.savefig(path, dpi=100)


def _sig(value: float) -> str:
    return f"{value:.3g}"


def render_page(study_name: str, runs: list[dict[str, Any]], charts: list[tuple[str, str]], data_file: str) -> str:
    """The page: one table row per run, oldest first, then the charts; ``data_file`` is the table's name beside it."""
    esc = html.escape
    rows = []
    for k, r in enumerate(runs, start=1):
        changed = "first run" if r["first"] else ("; ".join(esc(c) for c in r["changes"]) or "nothing")
        flagged = (
            '<span class="fail">moved beyond the previous run\'s 95 % interval:</span><br>'
            + "<br>".join(esc(f) for f in r["flagged"])
            if r["flagged"]
            else ("&ndash;" if r["first"] else "within the previous run's intervals")
        )
        whatif = []
        if r["source_run"]:
            whatif.append(f"reassessment of <code>{esc(r['source_run'])}</code>")
        if r["overrides"] != "none":
            whatif.append(f"overrides {esc(r['overrides'])}")
        rows.append(
            f'<tr{" class=flagged" if r["flagged"] else ""}><td class="num">{k}</td>'
            f'<td><a href="{esc(r["run_folder"])}/report.html">{esc(r["run_id"])}</a><br>'
            f'<span class="small">{esc(r["completed_at"])}</span></td>'
            f'<td class="small">{esc(r["code_version"])}<br>{esc(r["energy_method"])} on {esc(r["host"])}'
            f"{'<br>' + '; '.join(whatif) if whatif else ''}</td>"
            f'<td class="small">{changed}</td><td class="small">{flagged}</td></tr>'
        )
    figures = "".join(
        f'<figure><img src="{esc(name)}" alt="{esc(method)} of each scenario over the runs"></figure>'
        for method, name in charts
    )
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 "
        "1rem;color:#1a202c;line-height:1.4}"
        ".table-scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85rem}"
        "td,th{border:1px solid #e2e8f0;padding:.25rem "
        ".45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
        "th{background:#f7fafc}td.num{text-align:right}.small{font-size:.8rem;color:#4a5568}.fail{color:#c53030;font-weight:600}"
        "tr.flagged td{background:#fff5f5}figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px "
        "solid #e2e8f0}"
        "@media print{body{max-width:none;margin:0;font-size:9pt}figure,tr{break-inside:avoid}}"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>History: {esc(study_name)}</title>'
        f"<style>{style}</style></head><body><h1>History of study {esc(study_name)}</h1>"
        f'<p class="small">{len(runs)} completed run(s), oldest first. A run is flagged when a scenario\'s score '
        "falls outside the "
        "95 % Monte Carlo interval of the same scenario in the previous run; the inputs column says what the run used "
        "differently (study file, reference data files, code version, energy method, host, what-if overrides). "
        f'Data: <a href="{esc(data_file)}">{esc(data_file)}</a>.</p>'
        '<div class="table-scroll"><table><thead><tr><th>#</th><th>Run</th><th>Code, energy method, host</th>'
        "<th>Inputs changed since the previous run</th><th>Result</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
        + figures
        + "</body></html>"
    )


def changes(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What a run used differently from the previous one, in words."""
    out = []
    if previous["study_sha256"] != current["study_sha256"]:
        out.append(f"study file (sha256 {previous['study_sha256'][:10]} -> {current['study_sha256'][:10]})")
    before, after = json.loads(previous["reference_data"]), json.loads(current["reference_data"])
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            state = "added" if name not in before else "removed" if name not in after else "changed"
            out.append(f"reference data {name} ({state})")
    for key, words in (("code_version", "code"), ("energy_method", "energy method"), ("host", "host")):
        if previous[key] != current[key]:
            out.append(f"{words} ({previous[key]} -> {current[key]})")
    if previous["overrides"] != current["overrides"]:
        out.append(f"overrides ({_overrides_text(previous['overrides'])} -> {_overrides_text(current['overrides'])})")
    if previous["source_run"] != current["source_run"]:
        out.append(
            "measurements " + (f"reused from {current['source_run']}" if current["source_run"] else "taken anew")
        )
    return out


def _overrides_text(raw: str) -> str:
    values = json.loads(raw or "{}")
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "none"


def moved(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """The score left the previous run's 95 % Monte Carlo interval (no interval: never flagged)."""
    low, high = previous.get("mc_p2_5"), previous.get("mc_p97_5")
    if low is None or high is None or _nan(low) or _nan(high):
        return False
    return not (low <= current["score"] <= high)


def _nan(value: Any) -> bool:
    return isinstance(value, float) and value != value
