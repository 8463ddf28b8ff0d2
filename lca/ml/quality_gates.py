"""Data-quality gates: Great Expectations suites that stop a run before bad data becomes a number.

A gate that fails raises :class:`~lca.errors.DataQualityError` with one line per
failed expectation (its type, its column, a few offending values), because the
person who reads it is looking at an Airflow task log, not at a GX data doc.

Each gate returns a :class:`lca.records.GateResult`, which the run stores beside
the data and the report cites. Great Expectations takes about four seconds to
import, so it is imported inside the functions: the pipeline imports this module
before it knows whether a gate will run.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lca.errors import DataQualityError
from lca.records import GateResult, VariantBenchmark

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

log = logging.getLogger(__name__)

# How many offending values or row numbers a failure line quotes: enough to
# recognise the problem, few enough to keep a 64-column failure readable.
_EXAMPLES = 5

BENCHMARK_REQUIRED_COLUMNS = ("variant", "primary_value", "energy_per_item_kwh", "latency_ms_median", "size_bytes")
# Checked when present: a benchmark table built by hand may leave them out.
_POSITIVE_IF_PRESENT = ("latency_ms_p90", "items_per_second", "n_parameters")


def check_dataset(  # noqa: PLR0913  # keyword-only, one per expectation of the dataset
    df: pd.DataFrame,
    *,
    feature_columns: list[str],
    label_column: str | Sequence[str],
    allowed_labels: list | None,
    value_range: tuple[float, float] | Mapping[str, tuple[float, float]],
    source: str,
    extra_columns: Sequence[str] = (),
    min_rows: int = 20,
    name: str = "dataset",
    label_range: tuple[float, float] | None = None,
) -> GateResult:
    """Validate a prepared dataset; raise DataQualityError listing every failed expectation.

    ``extra_columns`` are bookkeeping columns (the ``split`` column of
    :func:`lca.ml.data.prepare_dataset`) that must be present and non-null but are
    neither features nor labels. ``min_rows`` defaults to 20 because the study
    schema refuses ``max_rows`` at or below that. ``value_range`` is one range
    for every feature or one per feature; a regression gives ``label_range``
    (and one or several target columns) instead of ``allowed_labels``.
    """
    import great_expectations as gx

    labels = [label_column] if isinstance(label_column, str) else list(label_column)
    ranges = value_range if isinstance(value_range, Mapping) else {c: tuple(value_range) for c in feature_columns}
    expected_columns = [*feature_columns, *labels, *extra_columns]
    present = set(df.columns)
    expectations: list[Any] = [
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=expected_columns, exact_match=True),
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=min_rows),
    ]
    # A missing column is reported once by the schema expectation; per-column
    # expectations on it would only add "column does not exist" noise.
    expectations += [gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in df.columns]
    for label in labels:
        if label in present and allowed_labels is not None:
            expectations.append(
                gx.expectations.ExpectColumnValuesToBeInSet(column=label, value_set=list(allowed_labels))
            )
        if label in present and label_range is not None:
            expectations.append(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=label, min_value=label_range[0], max_value=label_range[1]
                )
            )
    expectations += [
        gx.expectations.ExpectColumnValuesToBeBetween(column=c, min_value=ranges[c][0], max_value=ranges[c][1])
        for c in feature_columns
        if c in present and c in ranges
    ]
    return _run_gate(name, df, expectations, source)


def check_benchmarks(
    df: pd.DataFrame,
    *,
    expected_variants: list[str],
    source: str,
    name: str = "benchmarks",
    metric_bounds: Mapping[str, tuple[float, float | None]] | None = None,
) -> GateResult:
    """Validate the benchmark table (one row per variant) before it feeds the inventory.

    Build ``df`` with :func:`benchmarks_frame`. Columns beyond the required ones are
    allowed (and checked for nulls), so adding a metric does not break the gate.
    ``metric_bounds`` gives each quality column its sane range (from
    :data:`lca.study.metrics.METRICS`): a share in [0, 1], an error at or above 0.
    """
    import great_expectations as gx

    present = set(df.columns)
    expectations: list[Any] = [
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=list(BENCHMARK_REQUIRED_COLUMNS), exact_match=False),
        gx.expectations.ExpectTableRowCountToEqual(value=len(expected_variants)),
    ]
    expectations += [gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in df.columns]
    if "variant" in present:
        expectations += [
            gx.expectations.ExpectColumnValuesToBeUnique(column="variant"),
            gx.expectations.ExpectColumnDistinctValuesToEqualSet(column="variant", value_set=list(expected_variants)),
        ]
    bounds = {"accuracy": (0.0, 1.0), **(metric_bounds or {})}
    expectations += [
        gx.expectations.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi)
        for c, (lo, hi) in bounds.items()
        if c in present
    ]
    positive = ("energy_per_item_kwh", "latency_ms_median", "size_bytes", *_POSITIVE_IF_PRESENT)
    expectations += [
        gx.expectations.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True)
        for c in positive
        if c in present
    ]
    return _run_gate(name, df, expectations, source)


def check_better_than_trivial(benchmarks: Iterable[VariantBenchmark], *, required: bool, source: str) -> list[str]:
    """One warning per variant not significantly better than the task's trivial baseline; an error if required.

    A model that does no better than "always the majority class" on the same
    held-out items is no model at all, and comparing it with the non-ML reference
    would credit it with work it does not do.
    """
    lines = []
    for b in benchmarks:
        t = b.trivial
        if t is None or t.significantly_better:
            continue
        lines.append(
            f"variant '{b.variant}' is not significantly better than the trivial baseline ({t.name}): "
            f"{b.primary_metric} {b.primary_value:.4g} vs {t.primary_value:.4g}, difference {t.difference:+.4g} "
            f"(95 % interval {t.ci_low:+.4g} to {t.ci_high:+.4g}; {t.test})"
        )
    for line in lines:
        log.warning(line)
    if lines and required:
        raise DataQualityError(f"{source}: field 'task.require_better_than_trivial' is true and " + "; ".join(lines))
    return lines


def benchmarks_frame(benchmarks: Iterable[VariantBenchmark]) -> pd.DataFrame:
    """The benchmark records as the flat table :func:`check_benchmarks` validates."""
    import pandas as pd

    rows = []
    for b in benchmarks:
        row = b.model_dump(exclude={"energy", "description", "quality", "latency", "idle_energy"})
        row.update({f"quality_{name}": value for name, value in b.quality.items()})
        row["energy_kwh"] = b.energy.energy_kwh
        row["energy_method"] = b.energy.method
        rows.append(row)
    return pd.DataFrame(rows).dropna(axis=1, how="all")  # fields no variant has are absent, not null


def _run_gate(name: str, df: pd.DataFrame, expectations: list[Any], source: str) -> GateResult:
    """Validate ``df`` in a throwaway ephemeral context and raise if anything failed."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # no network here, and no telemetry wanted anyway
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    start = time.perf_counter()
    context = gx.get_context(mode="ephemeral")
    # tqdm bars would fill the Airflow task log with carriage-return noise.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(name)
        .get_batch(batch_parameters={"dataframe": df})
    )
    suite = gx.ExpectationSuite(name=f"{name}_gate")
    for expectation in expectations:
        suite.add_expectation(expectation)
    outcome = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20})
    failures = [_describe_failure(r) for r in outcome.results if not r.success]
    result = GateResult(
        name=name,
        success=not failures,
        failures=failures,
        checked=len(outcome.results),
        source=source,
        seconds=round(time.perf_counter() - start, 3),
    )
    if result.success:  # a failure is logged by Airflow with the exception
        log.info(result.summary())
    return result.raise_for_failure()


def _describe_failure(result: Any) -> str:
    """One line a person can act on: what was expected, of which column, and what was found."""
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    column = kwargs.pop("column", None)
    head = config.type + (f" on column '{column}'" if column is not None else "")
    if kwargs:
        head += f" ({', '.join(f'{k}={_short(v)}' for k, v in kwargs.items())})"
    errors = _exception_messages(result.exception_info)
    if errors:
        return f"{head}: could not be evaluated: {'; '.join(errors)}"
    return f"{head}: {_describe_observation(config.type, result.result or {})}"


def _exception_messages(info: Any) -> list[str]:
    """GX reports an error either flat or keyed by metric (e.g. a numeric range on a text column)."""
    if not isinstance(info, dict):
        return []
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    messages = [str(e.get("exception_message")) for e in entries if e.get("raised_exception")]
    return list(dict.fromkeys(messages))


def _describe_observation(kind: str, found: dict) -> str:
    mismatched = (found.get("details") or {}).get("mismatched")
    if mismatched:
        parts = [f"{key} columns {_short(mismatched[key])}" for key in ("missing", "unexpected") if key in mismatched]
        return "; ".join(parts)
    if "unexpected_count" in found and "element_count" in found:
        count, total = found["unexpected_count"], found["element_count"]
        text = f"{count} of {total} rows unexpected"
        if kind == "expect_column_values_to_not_be_null":
            rows = found.get("partial_unexpected_index_list") or []
            return text + (f", e.g. row(s) {_short(rows)}" if rows else "")
        counts = found.get("partial_unexpected_counts") or []
        if counts:
            shown = ", ".join(f"{_value(c['value'])} (x{c['count']})" for c in counts[:_EXAMPLES])
            text += f", e.g. {shown}"
        return text
    if "unexpected_count" in found:  # distinct-values expectations
        parts = []
        if found.get("partial_unexpected_list"):
            parts.append(f"unexpected values {_short(found['partial_unexpected_list'])}")
        if found.get("partial_missing_list"):
            parts.append(f"missing values {_short(found['partial_missing_list'])}")
        return "; ".join(parts) or f"observed {found.get('observed_value')!r}"
    return f"observed {_short(found.get('observed_value'))}"


def _value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return repr(value)


def _short(value: Any) -> str:
    """A value or the first few items of a list, so a long value_set does not swamp the line."""
    if not isinstance(value, (list, tuple, set)):
        return _value(value)
    items = list(value)
    shown = ", ".join(_value(v) for v in items[:_EXAMPLES])
    more = f", ... {len(items) - _EXAMPLES} more" if len(items) > _EXAMPLES else ""
    return f"[{shown}{more}]"
