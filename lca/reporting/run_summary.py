"""What the plugin's run lists and compare page show of a run, read from its published files only.

A run list that shows folder names makes an analyst open every report to find the one they
want; here each run carries its headline figure (the uncompressed model's score in the
headline category, against the reference), its energy method, whether it is a what-if, and
whether its report is complete. The compare page puts two or more runs side by side: the
inputs that differ (the resolved study snapshots each run stored, flattened to dotted
paths) and each result with its 95 % interval.

Only the standard library and PyYAML: the plugin module that imports this is loaded by every
Airflow component. Files are read through ``pathlib``-like objects (a local path or a UPath
of an object store), never written.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from lca.run_layout import SETTINGS_FILE, STUDY_FILE

TABLES_XLSX = "tables.xlsx"  # every table of a report, one sheet each (lca.reporting.tables_xlsx)
GWP100_NAME = "global warming potential (GWP100)"
HEADLINE_SCENARIO = "baseline"
PLAIN_NAMES = {"baseline": "uncompressed model"}


@dataclass(frozen=True)
class RunSummary:
    study: str
    run: str
    complete: bool
    what_if: bool = False
    source_run: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    headline: str = ""  # e.g. "uncompressed model 9.52 kg CO2-Eq (0.104 x reference)"
    energy_method: str = ""


def _text(path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except OSError:
        return None


RESULT_KEYS = ("scenario", "label", "is_reference", "method", "unit", "score")


def results(report_folder) -> list[dict[str, str]]:
    """The rows of a report's ``results.csv`` (empty when there is none, or it is not one)."""
    text = _text(report_folder / "results.csv")
    rows = list(csv.DictReader(io.StringIO(text))) if text else []
    return rows if rows and all(k in rows[0] for k in RESULT_KEYS) else []


def settings(run_folder) -> dict[str, Any]:
    """The run's what-if settings (lca.orchestration.run_settings), empty for a run older than them."""
    text = _text(run_folder / SETTINGS_FILE)
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def headline_method(rows: list[dict[str, str]]) -> str:
    methods = list(dict.fromkeys(r["method"] for r in rows))
    return next((m for m in methods if m.endswith(GWP100_NAME)), methods[0] if methods else "")


def _sig(value: str | float | None) -> str:
    try:
        return f"{float(value):.3g}"
    except (TypeError, ValueError):
        return ""


def summarise(study: str, run: str, complete: bool, report_folder, run_folder) -> RunSummary:
    rows = results(report_folder) if complete else []
    found = settings(run_folder)
    overrides = found.get("overrides") or {}
    source = found.get("reuse_measurements_from") or ""
    headline, energy = "", ""
    if rows:
        method = headline_method(rows)
        main = next((r for r in rows if r["method"] == method and r["scenario"] == HEADLINE_SCENARIO), None)
        main = main or next((r for r in rows if r["method"] == method and r["is_reference"] != "True"), None)
        if main is not None:
            name = PLAIN_NAMES.get(main["scenario"], main["label"])
            ratio = _sig(main.get("ratio_to_reference"))
            headline = f"{name} {_sig(main['score'])} {main['unit']}" + (f" ({ratio} x reference)" if ratio else "")
        energy = ", ".join(sorted({r["energy_method"] for r in rows if r.get("energy_method")}))
    return RunSummary(
        study=study,
        run=run,
        complete=complete,
        what_if=bool(source or overrides),
        source_run=source,
        overrides=overrides,
        headline=headline,
        energy_method=energy,
    )


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    if isinstance(node, list) and node and all(isinstance(v, dict) and "name" in v for v in node):
        out = {}
        for value in node:
            out.update(_flatten(value, f"{prefix}{value['name']}."))
        return out
    return {prefix.rstrip("."): node}


def study_snapshot(run_folder) -> dict[str, Any]:
    """The study as the run assumed it (its stored snapshot, lca.run_layout.STUDY_FILE), flattened to dotted paths."""
    import yaml

    text = _text(run_folder / STUDY_FILE)
    try:
        return _flatten(yaml.safe_load(text) or {}) if text else {}
    except yaml.YAMLError:
        return {}


def functional_unit(snapshot: dict[str, Any]) -> tuple:
    return tuple(snapshot.get(f"functional_unit.{k}") for k in ("items", "item", "period"))


def input_differences(snapshots: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Every study field whose value is not the same in all runs, with each run's value ('' when absent)."""
    paths = sorted(set().union(*snapshots)) if snapshots else []
    out = []
    for path in paths:
        values = [json.dumps(s[path], default=str) if path in s else "" for s in snapshots]
        if len(set(values)) > 1:
            out.append((path, [v.strip('"') for v in values]))
    return out


def result_differences(tables: list[list[dict[str, str]]]) -> list[dict[str, Any]]:
    """Each scenario and method present in every run: its score and 95 % interval per run, and whether a
    run's score left the first run's interval."""
    if not tables:
        return []
    keyed = [{(r["scenario"], r["method"]): r for r in rows} for rows in tables]
    common = [k for k in keyed[0] if all(k in t for t in keyed[1:])]
    out = []
    for key in common:
        cells = []
        first = keyed[0][key]
        low, high = _float(first.get("mc_p2_5")), _float(first.get("mc_p97_5"))
        for table in keyed:
            row = table[key]
            score = _float(row["score"])
            outside = low is not None and high is not None and score is not None and not (low <= score <= high)
            cells.append(
                {
                    "score": _sig(row["score"]),
                    "interval": f"{_sig(row.get('mc_p2_5'))}–{_sig(row.get('mc_p97_5'))}" if row.get("mc_p2_5") else "",
                    "outside_first": outside,
                }
            )
        out.append(
            {
                "scenario": PLAIN_NAMES.get(first["scenario"], first["label"]),
                "method": first["method"].split(" | ")[-1],
                "unit": first["unit"],
                "cells": cells,
            }
        )
    return out


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None
