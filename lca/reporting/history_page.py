"""The history page of a study.

Each run is compared with the run it should be compared with; charts over dates; the numbers.

Comparing each run with the one before it in time was wrong twice: a what-if was described
as a change from whatever ran last (a country "became" an item count), and a measured run
after a what-if was flagged for undoing it. So each run has one *comparison base*
(:func:`comparison_base`):

* a what-if (it reuses measurements) is compared with its source run: the only change is its overrides;
* a measured run with the last earlier measured run of the same study file, reference data and
  overrides: the comparison that says whether measuring again gave the same answer.

A run whose functional unit was overridden (``functional_unit.*``) delivers another amount of
work: its scores are not on the same axis, so they are marked in the charts and the table, and
never flagged against a base with another functional unit.

The numbers come from the history table (:mod:`lca.reporting.history`); nothing is recomputed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

HISTORY_CSV = "history.csv"
# Shown in the CSV, in this order: who the run is, what it scored, what it assumed.
CSV_COLUMNS = (
    "completed_at",
    "run_id",
    "scenario",
    "label",
    "method",
    "unit",
    "score",
    "mc_p2_5",
    "mc_p97_5",
    "what_if",
    "compared_with",
    "functional_unit_changed",
    "source_run",
    "overrides",
    "energy_method",
    "host",
    "code_version",
    "study_sha256",
)


def _overrides(head: dict[str, Any]) -> dict[str, Any]:
    return json.loads(head.get("overrides") or "{}")


def is_what_if(head: dict[str, Any]) -> bool:
    return bool(head.get("source_run")) or bool(_overrides(head))


def functional_unit_changed(head: dict[str, Any]) -> bool:
    return any(p.startswith("functional_unit.") and p != "functional_unit.description" for p in _overrides(head))


def comparison_base(head: dict[str, Any], earlier: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The earlier run ``head`` is compared with (``earlier``: the runs before it, oldest first), or None."""
    source = head.get("source_run")
    if source:
        return next((r for r in earlier if source in (r["run_id"], r["run_folder"])), None)
    same = ("study_sha256", "reference_data", "overrides")
    measured = [r for r in earlier if not r.get("source_run") and all(r[k] == head[k] for k in same)]
    return measured[-1] if measured else None


def compared_runs(table) -> list[dict[str, Any]]:
    """One entry per run, oldest first: its base, what it used differently from it, which results moved."""

    order = table.groupby("run_id", sort=False)["completed_at"].min().sort_values(kind="stable")
    heads: list[dict[str, Any]] = []
    rows_of: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    runs = []
    for run_id in order.index:
        rows = table[table["run_id"] == run_id].to_dict("records")
        head = rows[0]
        base = comparison_base(head, heads)
        fu_changed = functional_unit_changed(head)
        comparable = base is not None and fu_changed == functional_unit_changed(base) and not fu_changed
        flagged = []
        if base is not None and comparable:
            previous = rows_of[base["run_id"]]
            flagged = [
                f"{r['label']} ({r['method'].split(' | ')[-1]}): "
                f"{_sig(previous[(r['scenario'], r['method'])]['score'])}"
                f" -> {_sig(r['score'])}"
                for r in rows
                if (r["scenario"], r["method"]) in previous and moved(previous[(r["scenario"], r["method"])], r)
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
                "overrides": ", ".join(f"{k}={v}" for k, v in _overrides(head).items()) or "none",
                "what_if": is_what_if(head),
                "functional_unit_changed": fu_changed,
                "compared_with": base["run_id"] if base is not None else "",
                "changes": changes(base, head) if base is not None else [],
                "comparable": comparable,
                "flagged": flagged,
            }
        )
        heads.append(head)
        rows_of[run_id] = {(r["scenario"], r["method"]): r for r in rows}
    return runs


def history_csv(table, runs: list[dict[str, Any]]):
    """The history as a spreadsheet reads it: one row per run, scenario and method, with the run's comparison."""
    import pandas as pd

    by_run = {r["run_id"]: r for r in runs}
    out = table.assign(
        what_if=table["run_id"].map(lambda k: by_run[k]["what_if"]),
        compared_with=table["run_id"].map(lambda k: by_run[k]["compared_with"]),
        functional_unit_changed=table["run_id"].map(lambda k: by_run[k]["functional_unit_changed"]),
    )
    return pd.DataFrame(out, columns=list(CSV_COLUMNS))


def history_chart(path: Path, part, method: str, runs: list[dict[str, Any]]) -> None:
    """One small panel per scenario: its score at each run's date, 95 % interval as error bars.

    Measured runs are filled circles joined by a line; what-ifs are hollow diamonds, not joined
    (they are not a step of the series); a run with another functional unit is left out of the
    axis and named under the chart, since its score is for another amount of work.
    """
    import matplotlib.dates as mdates
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    info = {r["run_id"]: r for r in runs}
    # Dates on the x axis; a table with a completion time that is not one (older rows) falls back to run order.
    when = pd.to_datetime(pd.Series([r["completed_at"] for r in runs]), utc=True, errors="coerce", format="ISO8601")
    dated = bool(len(when)) and not when.isna().any()
    x_of = {r["run_id"]: (when[k].tz_localize(None) if dated else k + 1) for k, r in enumerate(runs)}
    part = part[~part["run_id"].map(lambda k: info[k]["functional_unit_changed"])]
    scenarios = list(dict.fromkeys(part["scenario"]))
    ncols = max(1, min(3, len(scenarios)))
    nrows = max(1, -(-len(scenarios) // ncols))
    fig = Figure(figsize=(3.6 * ncols + 0.4, 2.4 * nrows + 0.9))
    fig.subplots_adjust(
        left=0.08, right=0.98, bottom=0.2 / nrows, top=1 - 0.6 / (2.4 * nrows + 0.9), wspace=0.35, hspace=0.8
    )
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    unit = part["unit"].iloc[0] if len(part) else ""
    for ax, scenario in zip(axes, scenarios):
        rows = part[part["scenario"] == scenario].assign(when=lambda d: d["run_id"].map(x_of)).sort_values("when")
        reference = bool(rows["is_reference"].iloc[0])
        color = "#d9822b" if reference else "#2b6cb0"
        for what_if, group in rows.groupby(rows["run_id"].map(lambda k: info[k]["what_if"])):
            y = group["score"].to_numpy(float)
            low = (y - group["mc_p2_5"].to_numpy(float)).clip(min=0)
            high = (group["mc_p97_5"].to_numpy(float) - y).clip(min=0)
            has = np.isfinite(low) & np.isfinite(high)
            x = group["when"].to_numpy()
            ax.errorbar(x[has], y[has], yerr=[low[has], high[has]], fmt="none", ecolor=color, alpha=0.45, capsize=3)
            if what_if:
                ax.plot(x, y, "D", mfc="white", mec=color, ms=6, label="what-if")
            else:
                ax.plot(x, y, "o-", color=color, ms=5, lw=1, label="measured")
        ax.set_title(str(rows["label"].iloc[0]).replace("ML: ", ""), fontsize=11)
        if dated:
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=4))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))
        ax.tick_params(labelsize=10)
    for ax in axes[len(scenarios) :]:
        ax.set_visible(False)
    if scenarios:
        axes[0].legend(fontsize=9, loc="best")
    fig.suptitle(f"{method.split(' | ')[-1]} [{unit}] per functional unit; bars: 95 % interval", fontsize=12)
    fig.savefig(path, dpi=100)


def _sig(value: float) -> str:
    return f"{value:.3g}"


def _numbers_table(part, runs: list[dict[str, Any]]) -> str:
    """The charted numbers: one row per run, one column per scenario (score and 95 % interval)."""
    esc = html.escape
    scenarios = list(dict.fromkeys(part["scenario"]))
    labels = {s: str(part[part["scenario"] == s]["label"].iloc[0]) for s in scenarios}
    head = "".join(f"<th>{esc(labels[s])}</th>" for s in scenarios)
    body = []
    for r in runs:
        cells = []
        for s in scenarios:
            hit = part[(part["run_id"] == r["run_id"]) & (part["scenario"] == s)]
            if not len(hit):
                cells.append("<td></td>")
                continue
            row = hit.iloc[0]
            interval = (
                f'<br><span class="small">{_sig(row["mc_p2_5"])}&ndash;{_sig(row["mc_p97_5"])}</span>'
                if row["mc_p2_5"] == row["mc_p2_5"] and row["mc_p2_5"] is not None
                else ""
            )
            cells.append(f'<td class="num">{_sig(row["score"])}{interval}</td>')
        mark = " (what-if)" if r["what_if"] else ""
        mark += " (other functional unit)" if r["functional_unit_changed"] else ""
        body.append(f"<tr><td>{esc(r['completed_at'][:16].replace('T', ' '))}{esc(mark)}</td>{''.join(cells)}</tr>")
    return (
        '<div class="table-scroll"><table><thead><tr><th>Run completed (UTC)</th>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def render_page(study_name: str, table, runs: list[dict[str, Any]], charts: list[tuple[str, str]], parquet: str) -> str:
    esc = html.escape
    rows = []
    for k, r in enumerate(runs, start=1):
        if not r["compared_with"]:
            against, result = "first run with these inputs", "&ndash;"
        else:
            against = (
                f"its source run <code>{esc(r['compared_with'])}</code>"
                if r["source_run"]
                else "the last measured run with the same study file, reference data and overrides, "
                f"<code>{esc(r['compared_with'])}</code>"
            )
            against += ": " + ("; ".join(esc(c) for c in r["changes"]) or "no input changed")
            if not r["comparable"]:
                result = "other functional unit: scores not comparable"
            elif r["flagged"]:
                result = '<span class="fail">moved beyond the base run\'s 95 % interval:</span><br>' + "<br>".join(
                    esc(f) for f in r["flagged"]
                )
            else:
                result = "within the base run's intervals"
        kind = (
            "what-if" + (" (other functional unit)" if r["functional_unit_changed"] else "")
            if r["what_if"]
            else "measured"
        )
        rows.append(
            f'<tr{" class=flagged" if r["flagged"] else ""}><td class="num">{k}</td>'
            f'<td><a href="{esc(r["run_folder"])}/report.html">{esc(r["run_id"])}</a><br>'
            f'<span class="small">{esc(r["completed_at"])}, {kind}</span></td>'
            f'<td class="small">{esc(r["code_version"])}<br>{esc(r["energy_method"])} on {esc(r["host"])}'
            f"{'<br>overrides ' + esc(r['overrides']) if r['overrides'] != 'none' else ''}</td>"
            f'<td class="small">{against}</td><td class="small">{result}</td></tr>'
        )
    figures = "".join(
        f'<h2>{esc(method.split(" | ")[-1])}</h2><figure><img src="{esc(name)}" '
        f'alt="{esc(method)} of each scenario over the runs"></figure>'
        f"<details><summary>The numbers</summary>{_numbers_table(table[table['method'] == method], runs)}</details>"
        for method, name in charts
    )
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 1rem;color:#1a202c;"
        "line-height:1.4}"
        ".table-scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85rem}"
        "td,th{border:1px solid #e2e8f0;padding:.25rem .45rem;text-align:left;vertical-align:top;"
        "overflow-wrap:anywhere}"
        "th{background:#f7fafc}td.num{text-align:right}.small{font-size:.8rem;color:#4a5568}.fail{color:#c53030;font-weight:600}"
        "tr.flagged td{background:#fff5f5}figure{margin:1rem 0}"
        "figure img{max-width:100%;height:auto;border:1px solid #e2e8f0}"
        "h2{font-size:1.1rem}@media print{body{max-width:none;margin:0;font-size:9pt}figure,tr{break-inside:avoid}"
        "details{display:block}details>*{display:block}}"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>History: {esc(study_name)}</title>'
        f"<style>{style}</style></head><body><h1>History of study {esc(study_name)}</h1>"
        f'<p class="small">{len(runs)} completed run(s), oldest first. Each run is compared with its base: a what-if '
        "with the run whose measurements it reuses, a measured run with the last measured run of the same study file, "
        "reference data and overrides. A run is flagged when a scenario's score falls outside the base run's 95 % "
        "Monte Carlo interval. A what-if with another functional unit is not compared (its scores are for another "
        f'amount of work). Data: <a href="{HISTORY_CSV}">{HISTORY_CSV}</a>, <a href="{parquet}">{parquet}</a>.</p>'
        '<div class="table-scroll"><table><thead><tr><th>#</th><th>Run</th><th>Code, energy method, host</th>'
        "<th>Compared with</th><th>Result</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
        + figures
        + "</body></html>"
    )


def changes(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What a run used differently from its comparison base, in words."""
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
    """The score left the base run's 95 % Monte Carlo interval (no interval: never flagged)."""
    low, high = previous.get("mc_p2_5"), previous.get("mc_p97_5")
    if low is None or high is None or _nan(low) or _nan(high):
        return False
    return not (low <= current["score"] <= high)


def _nan(value: Any) -> bool:
    return isinstance(value, float) and value != value
