"""The catalogue of hostile and careless inputs (issue 9): one case per class, and then some.

Each case writes files into an empty study folder and says which ``lca-ml`` command
to run on them, which exit status to expect, and which words the error must
contain: the field and the value at fault (the study file's path is checked for
every case by the runner, except where the bad value was typed on the command line
and the message names the option instead). Cases are data: the runner
(test_catalogue.py) applies the same checks to all of them.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from tests.conftest import REPO

DIGITS = REPO / "include" / "studies" / "digits.yaml"
FRAUD = REPO / "include" / "studies" / "fraud_screening.yaml"
BYO = REPO / "examples" / "byo"
EARLIER_RUN = "scheduled__2026-11-01T00_00_00_00_00"  # the run every case's LCA_HOME already holds
MARKER = "owned.txt"  # a code-execution case that ran would create this in the case folder

Build = Callable[[Path], list[str]]


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # the class: code, exhaustion, magnitude, reinterpretation, message, other
    build: Build  # writes into the study folder, returns the lca-ml arguments
    expect: tuple[str, ...]  # the field and the value (and what is wrong), as the message spells them
    code: int = 1
    absent: tuple[str, ...] = ()  # what the message must never show (a file's content)
    env: dict[str, str] = field(default_factory=dict)  # environment variables set for this case only
    # False where the message cannot name the study file: a bad environment variable, or a value
    # typed on the command line (--set), which the message names instead
    names_study_file: bool = True


def _set(data: dict, dotted: str, value) -> None:
    *parents, leaf = dotted.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(leaf)] = value
    else:
        target[leaf] = value


def edited(base: Path = DIGITS, file_name: str = "study.yaml", byo: bool = False, **changes) -> Build:
    """A copy of ``base`` with ``changes`` ({'a.b': value}, written a__b) applied; BYO copies its data and model."""

    def build(folder: Path) -> list[str]:
        data = yaml.safe_load(base.read_text())
        for dotted, value in changes.items():
            _set(data, dotted.replace("__", "."), value)
        if byo:
            for f in ("cells.csv", "my_model.py"):
                shutil.copy(BYO / f, folder)
        (folder / file_name).write_text(yaml.safe_dump(data, sort_keys=False))
        return ["validate", str(folder / file_name)]

    return build


def byo(**changes) -> Build:
    return edited(BYO / "byo_cells.yaml", byo=True, **changes)


def text(content: str | bytes, name: str = "study.yaml") -> Build:
    def build(folder: Path) -> list[str]:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return ["validate", str(path)]

    return build


def digits_text(extra: str = "", replace: tuple[str, str] | None = None, prefix: str = "") -> Build:
    body = DIGITS.read_text()
    if replace:
        assert body.count(replace[0]) == 1, replace
        body = body.replace(*replace)
    return text(prefix + body + extra)


def custom_model(factory: str, path: str = ".", where: str = "model", **extra) -> dict:
    return {
        "architecture": "custom",
        "factory": factory,
        "path": path,
        "kwargs": {"command": f"touch {MARKER}", **extra},
    }


def byo_model(factory: str, path: str = ".", files: dict[str, str] | None = None, links: dict | None = None) -> Build:
    """The BYO example with its model replaced; ``files``/``links`` add files or symlinks to the folder first."""
    inner = byo(model=custom_model(factory, path))

    def build(folder: Path) -> list[str]:
        for rel, body in (files or {}).items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(body)
        for rel, target in (links or {}).items():
            (folder / rel).symlink_to(target)
        return inner(folder)

    return build


def factory_case(case_id: str, factory: str, *says: str, **folder) -> Case:
    """A study whose model factory names ``factory``: refused at ``model.factory``, quoting it, saying ``says``."""
    return Case(case_id, "code", byo_model(factory, **folder), ("model.factory", f"'{factory}'", *says))


def byo_data(rows: Callable[[list[list[str]]], list[list[str]]], name: str = "cells.csv") -> Build:
    """The BYO example with its CSV rewritten by ``rows`` (header first)."""
    inner = byo()

    def build(folder: Path) -> list[str]:
        args = inner(folder)
        with (BYO / "cells.csv").open(newline="") as fh:
            table = list(csv.reader(fh))
        with (folder / name).open("w", newline="") as fh:
            csv.writer(fh).writerows(rows(table))
        return args

    return build


def special(make: Callable[[Path], None], name: str = "study.yaml") -> Build:
    def build(folder: Path) -> list[str]:
        make(folder / name)
        return ["validate", str(folder / name)]

    return build


def reassess_set(assignment: str) -> Build:
    """``lca-ml reassess`` of an intact copy of the digits study, with one ``--set``: the override is the bad input."""

    def build(folder: Path) -> list[str]:
        shutil.copy(DIGITS, folder / "digits.yaml")
        return ["reassess", str(folder / "digits.yaml"), "--from", "manual__earlier", "--set", assignment]

    return build


def two_files_one_name(command: str) -> Build:
    def build(folder: Path) -> list[str]:
        body = DIGITS.read_text()
        (folder / "digits.yaml").write_text(body)
        (folder / "digits_copy.yaml").write_text(body)  # copied, not renamed
        return {"validate": ["validate"], "folder": ["validate", str(folder)], "demo": ["demo", "digits"]}[command]

    return build


_LOL = 'l0: &l0 "lol"\n' + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
_PYTHON_TAG = f"!!python/object/apply:os.system ['touch {MARKER}']"
_FIGURE = {"value": 60, "unit": "s", "source": "our own time study, 2026", "uncertainty": {"distribution": "none"}}
_HEADER_DUPLICATE = lambda t: [r[:-1] + [r[0], r[-1]] for r in t]  # first column repeated before the target


PROFILE_HEADER = "timestamp,g_co2e_per_kwh\n"


def _hours(n: int, value: str = "40", start: int = 0) -> str:
    """``n`` hourly rows from 2025-01-01 (valid unless ``value`` is not)."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    return "".join(f"{(base + timedelta(hours=start + h)).isoformat()},{value}\n" for h in range(n))


def grid_profile(make: Callable[[Path], None], name: str = "profile.csv") -> Build:
    """The digits study on an hourly grid profile ``name``, which ``make`` writes (or links) in the folder."""
    inner = edited(**{"lca.grid_profile": {"profile": name, "source": "hostile profile (test)"}})

    def build(folder: Path) -> list[str]:
        make(folder / name)
        return inner(folder)

    return build


def profile_text(body: str | bytes) -> Build:
    return grid_profile(lambda p: p.write_bytes(body if isinstance(body, bytes) else body.encode()))


def profile_bad_value(value: str) -> Build:
    """A full year of valid hours with ``value`` at data row 101 (line 102)."""
    return profile_text(PROFILE_HEADER + _hours(100) + _hours(1, value, 100) + _hours(8660, start=101))


def _streamed(path: Path, target_bytes: int) -> None:
    """Valid-looking hourly rows up to ``target_bytes``, written in blocks (never held whole in memory)."""
    block = _hours(10_000).encode()
    with path.open("wb") as fh:
        fh.write(PROFILE_HEADER.encode())
        for _ in range(target_bytes // len(block) + 1):
            fh.write(block)


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as fh:
        fh.write(PROFILE_HEADER.encode())
        fh.truncate(size)


def linked(command: list[str]) -> Build:
    """The digits study linked to a practitioner's Brightway background, in a home without that project."""
    background = {"electricity": {"database": "ecoinvent-3.10-cutoff", "code": "abc"}}
    inner = edited(**{"lca.background": background})

    def build(folder: Path) -> list[str]:
        path = inner(folder)[1]
        return [command[0], path, *command[1:]]

    return build


def damaged_run(name: str, content: bytes) -> Build:
    """A reassessment of a run of digits whose stored ``name`` is damaged (in the case's own store, the env's root)."""

    def build(folder: Path) -> list[str]:
        shutil.copy(DIGITS, folder / "digits.yaml")
        run = folder / "store" / "runs" / "digits" / "manual__damaged"
        (run / "gates").mkdir(parents=True)
        for gate in ("dataset", "benchmarks"):
            (run / "gates" / f"{gate}.json").write_text(f'{{"name": "{gate}", "success": true}}')
        (run / name).write_bytes(content)
        return ["reassess", str(folder / "digits.yaml"), "--from", "manual__damaged"]

    return build


def reassess_digits(folder: Path) -> list[str]:
    """A valid study, reassessed: the first command that opens the artefact store."""
    shutil.copy(DIGITS, folder / "study.yaml")
    return ["reassess", str(folder / "study.yaml"), "--from", EARLIER_RUN]


def artefact_root(case_id: str, url: str, *expect: str) -> Case:
    """An ``LCA_ARTIFACT_ROOT`` no deployment could share (issue 22, item 9): refused before any task runs."""
    return Case(
        case_id,
        "other",
        reassess_digits,
        (f"LCA_ARTIFACT_ROOT={url!r}", *expect),
        env={"LCA_ARTIFACT_ROOT": url},
        names_study_file=False,
    )


def _inline(**changes) -> dict:
    return {**_FIGURE, **changes}


CASES: list[Case] = [
    # --- 1. code named by a study file ------------------------------------------------------
    factory_case("factory_os_system", "os:system", "standard library"),
    factory_case("factory_subprocess_run", "subprocess:run", "standard library"),
    factory_case("factory_builtins_exec", "builtins:exec", "standard library"),
    factory_case("factory_posix_system", "posix:system", "standard library"),
    factory_case("factory_importlib", "importlib:import_module"),
    factory_case("factory_installed_package", "numpy:zeros", "no module file numpy.py"),
    factory_case("factory_this_project", "lca.cli:main", "no module file"),
    factory_case(
        "factory_shadows_installed",
        "numpy:build",
        "installed module",
        files={"numpy.py": f"import os\nos.system('touch {MARKER}')\n"},
    ),
    factory_case("factory_dunder_function", "my_model:__init__", "dunder"),
    factory_case("factory_private_function", "my_model:_build", "private"),
    factory_case("factory_dunder_module", "__main__:build"),
    factory_case("factory_without_colon", "os.system", "pattern"),
    Case(
        "model_path_absolute",
        "code",
        byo_model("shutil:rmtree", path="/usr/lib"),
        ("model.path", "'/usr/lib'", "absolute"),
    ),
    Case("model_path_dotdot", "code", byo_model("my_model:build", path="../.."), ("model.path", "'../..'", "'..'")),
    Case(
        "model_path_symlink_out",
        "code",
        byo_model("evil:build", path="lib", links={"lib": "/usr/lib"}),
        ("model.path", "'lib'", "outside the study file's folder"),
    ),
    factory_case(
        "model_file_symlink_out", "evil:build", links={"evil.py": "/usr/lib/python3/dist-packages/__init__.py"}
    ),
    Case(
        "student_os_system",
        "code",
        byo(compression=[{"name": "d", "method": "distillation", "student": custom_model("os:system")}]),
        ("compression.0.student.factory", "'os:system'", "standard library"),
    ),
    Case(
        "combined_student_subprocess",
        "code",
        byo(
            compression=[
                {
                    "name": "c",
                    "method": "combined",
                    "steps": [
                        {"method": "distillation", "student": custom_model("subprocess:run")},
                        {"method": "dynamic_quantization"},
                    ],
                }
            ]
        ),
        ("compression.0.steps.0.student.factory", "'subprocess:run'"),
    ),
    Case(
        "custom_without_folder",
        "code",
        byo(model={"architecture": "custom", "factory": "my_model:build"}),
        ("model.path", "Field required"),
    ),
    Case("kwargs_nan", "code", byo(**{"model.kwargs": {"hidden": float("nan")}}), ("model.kwargs", "nan")),
    Case(
        "yaml_python_tag", "code", digits_text(f"\nextra: {_PYTHON_TAG}\n"), ("not valid YAML", "python/object/apply")
    ),
    # --- 2. resource exhaustion -------------------------------------------------------------
    Case(
        "alias_bomb_description",
        "exhaustion",
        digits_text(prefix=_LOL, replace=("\ndescription: >-", "\ndescription: *l9\nold_description: >-")),
        ("aliases", "expand to more than 100,000"),
    ),
    Case(
        "too_many_aliases",
        "exhaustion",
        digits_text("x: &x 1\n" + "".join(f"y{i}: *x\n" for i in range(150))),
        ("more than 100 aliases",),
    ),
    Case(
        "deep_sequence", "exhaustion", text("name: " + "[" * 5000 + "]" * 5000 + "\n"), ("nested more than 32 levels",)
    ),
    Case(
        "deep_mapping",
        "exhaustion",
        text("".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1\n"),
        ("nested more than 32 levels",),
    ),
    Case(
        "file_over_one_mib",
        "exhaustion",
        digits_text("#" * (1024 * 1024) + "\n"),
        ("more than the limit of 1,048,576",),
    ),
    Case("symlink_to_dev_zero", "exhaustion", special(lambda p: p.symlink_to("/dev/zero")), ("character device",)),
    Case("fifo", "exhaustion", special(lambda p: os.mkfifo(p)), ("named pipe",)),
    Case("directory", "exhaustion", special(lambda p: p.mkdir()), ("a directory",)),
    Case(
        "huge_compression_list",
        "exhaustion",
        edited(compression=[{"name": f"q{i}", "method": "dynamic_quantization"} for i in range(5000)]),
        ("compression", "5,000 items", "at most 32"),
    ),
    Case(
        "huge_latency_list",
        "exhaustion",
        edited(**{"benchmark.latency_batch_sizes": list(range(1, 20_001))}),
        ("benchmark.latency_batch_sizes", "at most 16"),
    ),
    Case("huge_mlp", "exhaustion", edited(FRAUD, **{"model.hidden": [64] * 1000}), ("model.hidden", "at most 64")),
    Case(
        "set_value_nested_deeply",
        "exhaustion",
        reassess_set("deployment.country=" + "[" * 5000 + "SE" + "]" * 5000),
        ("--set", "field 'deployment.country'", "value '[[[[", "(10,004 chars)", "nested more than 32 levels"),
        names_study_file=False,
    ),
    Case(
        "set_value_deeper_than_a_study",
        "exhaustion",
        reassess_set("lca.seed=" + "[" * 31 + "1" + "]" * 31),
        ("field 'lca.seed'", "value [[[[[[[...]]]]]]]", "nested more than 32 levels deep in the study"),
    ),
    # --- 3. absurd magnitudes ---------------------------------------------------------------
    Case(
        "energy_window_inf",
        "magnitude",
        edited(**{"benchmark.energy_window_seconds": float("inf")}),
        ("benchmark.energy_window_seconds", "inf", "finite"),
    ),
    Case(
        "energy_window_nan",
        "magnitude",
        edited(**{"benchmark.energy_window_seconds": float("nan")}),
        ("benchmark.energy_window_seconds", "nan", "finite"),
    ),
    Case(
        "energy_window_1e30",
        "magnitude",
        edited(**{"benchmark.energy_window_seconds": 1e30}),
        ("benchmark.energy_window_seconds", "1e+30", "3600"),
    ),
    Case(
        "idle_window_negative",
        "magnitude",
        edited(**{"benchmark.idle_window_seconds": -5}),
        ("benchmark.idle_window_seconds", "-5"),
    ),
    Case(
        "epochs_1e12", "magnitude", edited(**{"training.epochs": 10**12}), ("training.epochs", "1000000000000", "1000")
    ),
    Case(
        "distillation_epochs_1e12",
        "magnitude",
        edited(**{"compression.6.epochs": 10**12}),
        ("compression.6.epochs", "1000000000000", "1000"),
    ),
    Case(
        "finetune_epochs_1e12",
        "magnitude",
        edited(**{"compression.3.finetune_epochs": 10**12}),
        ("compression.3.finetune_epochs", "1000000000000"),
    ),
    Case(
        "latency_repeats_1e12",
        "magnitude",
        edited(**{"benchmark.latency_repeats": 10**12}),
        ("benchmark.latency_repeats", "1000000000000", "10000"),
    ),
    Case(
        "latency_repeats_below_alpha",
        "magnitude",
        edited(**{"benchmark.latency_repeats": 5}),
        ("benchmark.latency_repeats = 5", "benchmark.alpha = 0.05", "at least 6"),
    ),
    Case(
        "energy_pairs_below_alpha",
        "magnitude",
        edited(**{"benchmark.energy_pairs": 3}),
        ("benchmark.energy_pairs = 3", "at least 6"),
    ),
    Case("alpha_above_bound", "magnitude", edited(**{"benchmark.alpha": 0.5}), ("benchmark.alpha", "0.5", "0.2")),
    Case(
        "runtime_margin_above_bound",
        "magnitude",
        edited(**{"benchmark.runtime_margin": 1.5}),
        ("benchmark.runtime_margin", "1.5", "1"),
    ),
    Case(
        "items_1e30", "magnitude", edited(**{"functional_unit.items": 10**30}), ("functional_unit.items", str(10**30))
    ),
    Case(
        "hyperparameter_search_1e30",
        "magnitude",
        edited(**{"lca.training_runs.hyperparameter_search": 10**30}),
        ("lca.training_runs.hyperparameter_search", str(10**30)),
    ),
    Case(
        "monte_carlo_1e9",
        "magnitude",
        edited(**{"lca.monte_carlo_iterations": 10**9}),
        ("lca.monte_carlo_iterations", "1000000000"),
    ),
    Case(
        "batch_size_1e9", "magnitude", edited(**{"benchmark.batch_size": 10**9}), ("benchmark.batch_size", "1000000000")
    ),
    Case("seed_negative", "magnitude", edited(**{"training.seed": -1}), ("training.seed", "-1")),
    Case("seed_2_40", "magnitude", edited(**{"dataset.seed": 2**40}), ("dataset.seed", str(2**40))),
    Case(
        "generated_rows_1e12", "magnitude", edited(FRAUD, **{"dataset.rows": 10**12}), ("dataset.rows", "1000000000000")
    ),
    Case(
        "inline_figure_1e300",
        "magnitude",
        edited(**{"reference.time_per_item": _inline(value=1e300)}),
        ("reference.time_per_item.value", "1e+300"),
    ),
    Case(
        "inline_gsd_inf",
        "magnitude",
        edited(**{"reference.time_per_item": _inline(uncertainty={"distribution": "lognormal", "gsd": float("inf")})}),
        ("reference.time_per_item.uncertainty.gsd", "inf", "finite"),
    ),
    Case("threads_huge", "magnitude", edited(**{"benchmark.threads": 10**6}), ("benchmark.threads", "1000000")),
    # --- 4. silent reinterpretation ---------------------------------------------------------
    Case(
        "items_true",
        "reinterpretation",
        edited(**{"functional_unit.items": True}),
        ("functional_unit.items", "True", "valid integer"),
    ),
    Case(
        "epochs_text",
        "reinterpretation",
        edited(**{"training.epochs": "30"}),
        ("training.epochs", "'30'", "valid integer"),
    ),
    Case(
        "epochs_float",
        "reinterpretation",
        edited(**{"training.epochs": 2.5}),
        ("training.epochs", "2.5", "valid integer"),
    ),
    Case("threads_true", "reinterpretation", edited(**{"benchmark.threads": True}), ("benchmark.threads", "True")),
    Case(
        "window_true",
        "reinterpretation",
        edited(**{"benchmark.energy_window_seconds": True}),
        ("benchmark.energy_window_seconds", "True", "valid number"),
    ),
    Case(
        "duplicate_top_key",
        "reinterpretation",
        digits_text("\nname: other_study\n"),
        ("key 'name' is given twice", "line 3", "line "),
    ),
    Case(
        "duplicate_nested_key",
        "reinterpretation",
        digits_text(replace=("training:\n  epochs: 30\n", "training:\n  epochs: 30\n  epochs: 3\n")),
        ("key 'epochs' is given twice",),
    ),
    Case(
        "duplicate_data_columns",
        "reinterpretation",
        byo_data(_HEADER_DUPLICATE),
        ("dataset.file", "['mean_radius']", "more than once"),
    ),
    Case(
        "two_files_one_name_validate",
        "reinterpretation",
        two_files_one_name("validate"),
        ("field 'name'", "'digits'", "digits.yaml", "digits_copy.yaml"),
    ),
    Case(
        "two_files_one_name_folder",
        "reinterpretation",
        two_files_one_name("folder"),
        ("field 'name'", "'digits'", "digits.yaml", "digits_copy.yaml"),
    ),
    Case(
        "two_files_one_name_demo",
        "reinterpretation",
        two_files_one_name("demo"),
        ("field 'name'", "'digits'", "digits.yaml", "digits_copy.yaml"),
    ),
    # --- 6. unclear messages ----------------------------------------------------------------
    Case(
        "not_utf8",
        "message",
        text(DIGITS.read_text().replace("Recognise", "Reconna\u00eetre").encode("latin-1")),
        ("not UTF-8", "byte ", "line "),
    ),
    Case("binary_png", "message", text(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4), ("not UTF-8", "byte 0")),
    Case("empty_file", "message", text(""), ("empty",)),
    Case("comments_only", "message", text("# nothing here\n"), ("empty",)),
    Case("top_level_list", "message", text("- name: digits\n"), ("YAML mapping", "list")),
    Case(
        "unit_pint_cannot_read",
        "message",
        edited(**{"reference.time_per_item": _inline(unit="sec**")}),
        ("reference.time_per_item.unit", "'sec**'", "pint cannot read"),
    ),
    Case(
        "unit_wrong_dimension",
        "message",
        edited(**{"reference.time_per_item": _inline(unit="kg")}),
        ("reference.time_per_item", "kilogram", "second"),
    ),
    Case(
        "negative_time_per_item",
        "message",
        edited(**{"reference.time_per_item": _inline(value=-60)}),
        ("reference.time_per_item", "-60 s", "negative"),
    ),
    Case(
        "negative_device_power",
        "message",
        edited(**{"reference.device_power": _inline(value=-40, unit="W")}),
        ("reference.device_power", "-40 W", "negative"),
    ),
    Case(
        "pue_below_one",
        "message",
        edited(**{"deployment.pue": _inline(value=0.5, unit="dimensionless")}),
        ("deployment.pue", "0.5", "[1, 5]"),
    ),
    Case(
        "bounds_exclude_value",
        "message",
        edited(
            **{
                "reference.time_per_item": _inline(
                    uncertainty={"distribution": "uniform", "minimum": 70, "maximum": 90}
                )
            }
        ),
        ("reference.time_per_item", "outside its own uncertainty bounds"),
    ),
    Case("header_only_csv", "message", byo_data(lambda t: t[:1]), ("dataset.file", "header but no rows")),
    Case(
        "text_in_numeric_column",
        "message",
        byo_data(lambda t: t[:5] + [["twelve"] + t[5][1:]] + t[6:]),
        ("dataset.features", "'mean_radius'", "'twelve'"),
    ),
    Case(
        "missing_value_in_feature",
        "message",
        byo_data(lambda t: t[:5] + [["n/a"] + t[5][1:]] + t[6:]),
        ("dataset.features", "'mean_radius'", "data row 5"),
    ),
    Case(
        "single_class_target",
        "message",
        byo_data(lambda t: [t[0]] + [r[:-1] + ["0"] for r in t[1:]]),
        ("dataset.target", "'malignant'", "only the class 0"),
    ),
    Case(
        "binary_target_with_2",
        "message",
        byo_data(lambda t: [t[0]] + [r[:-1] + [str(i % 3)] for i, r in enumerate(t[1:])]),
        ("dataset.target", "'malignant'", "[0, 1, 2]"),
    ),
    Case("too_few_rows", "message", byo_data(lambda t: t[:6]), ("dataset.file", "5 row(s)")),
    Case(
        "missing_target_column",
        "message",
        byo(**{"dataset.target": "label"}),
        ("dataset.target", "'label'", "no such column"),
    ),
    Case("empty_csv", "message", byo_data(lambda t: []), ("dataset.file", "empty")),
    # --- other classes a careless or hostile user produces -----------------------------------
    Case(
        "data_path_traversal",
        "other",
        byo(**{"dataset.file": "../../../etc/passwd.csv"}),
        ("dataset.file", "'../../../etc/passwd.csv'", "'..'"),
    ),
    Case(
        "data_path_absolute",
        "other",
        byo(**{"dataset.file": "/etc/hosts.csv"}),
        ("dataset.file", "'/etc/hosts.csv'", "absolute"),
    ),
    Case(
        "data_file_missing",
        "other",
        byo(**{"dataset.file": "nope.csv"}),
        ("dataset.file", "'nope.csv'", "no such file"),
    ),
    Case(
        "data_file_is_directory",
        "other",
        lambda folder: ((folder / "dir.csv").mkdir(), byo(**{"dataset.file": "dir.csv"})(folder))[1],
        ("dataset.file", "'dir.csv'", "not a regular file"),
    ),
    Case("unknown_country", "other", edited(**{"deployment.country": "XX"}), ("deployment.country", "'XX'")),
    Case(
        "unknown_impact_method",
        "other",
        edited(impact_methods=[["IPCC 2021", "climate change", "GWP1000"]]),
        ("impact_methods.0", "GWP1000"),
    ),
    Case(
        "headline_method_not_assessed",
        "other",
        edited(report={"headline_methods": [["EF v3.1", "acidification", "accumulated exceedance (AE)"]]}),
        ("report.headline_methods.0", "acidification", "impact_methods"),
    ),
    Case(
        "typo_in_field", "other", edited(**{"training.epoch": 3}), ("training.epoch", "Extra inputs are not permitted")
    ),
    Case(
        "unknown_compression_method",
        "other",
        edited(compression=[{"name": "x", "method": "magic"}]),
        ("compression.0", "'magic'"),
    ),
    Case(
        "unknown_parameter_id",
        "other",
        edited(**{"reference.time_per_item": "no_such_parameter"}),
        ("reference.time_per_item", "'no_such_parameter'"),
    ),
    Case("unknown_device", "other", edited(**{"lca.hardware.server": "abacus"}), ("lca.hardware.server", "'abacus'")),
    Case("name_path_traversal", "other", edited(name="../../etc"), ("field 'name'", "'../../etc'")),
    Case(
        "html_in_name",
        "other",
        edited(name="<script>alert(1)</script>"),
        ("field 'name'", "'<script>alert(1)</script>'"),
    ),
    Case(
        "schedule_not_cron", "other", edited(schedule="every tuesday"), ("field 'schedule'", "'every tuesday'", "cron")
    ),
    Case("broken_yaml", "other", text("name: [unclosed\n"), ("not valid YAML",)),
    Case("wrong_section_type", "other", edited(training=[1, 2, 3]), ("field 'training'", "[1, 2, 3]")),
    Case("nul_byte", "other", text("name: digits\x00\n"), ("not valid YAML", "#x0000")),
    # --- hourly grid profile (issue 22 item 6): bounded like the study file -----------------
    Case(
        "profile_inf",
        "magnitude",
        profile_bad_value("inf"),
        ("profile.csv:102", "g_co2e_per_kwh", "'inf'", "not a finite number"),
    ),
    Case(
        "profile_1e400",
        "magnitude",
        profile_bad_value("1e400"),
        ("profile.csv:102", "g_co2e_per_kwh", "'1e400'", "not a finite number"),
    ),
    Case(
        "profile_nan",
        "magnitude",
        profile_bad_value("nan"),
        ("profile.csv:102", "g_co2e_per_kwh", "'nan'", "not a finite number"),
    ),
    Case(
        "profile_1e15",
        "magnitude",
        profile_bad_value("1e15"),
        ("profile.csv:102", "g_co2e_per_kwh", "'1e15'", "above 2000 g CO2e/kWh"),
    ),
    Case(
        "profile_negative",
        "magnitude",
        profile_bad_value("-5"),
        ("profile.csv:102", "g_co2e_per_kwh", "'-5'", "negative"),
    ),
    Case(
        "profile_270_mb",
        "exhaustion",
        grid_profile(lambda p: _streamed(p, 270 * 1024**2)),
        ("profile.csv", "bytes, more than the limit of 67,108,864"),
    ),
    Case(
        "profile_2_gib_sparse",
        "exhaustion",
        grid_profile(lambda p: _sparse(p, 2 * 1024**3)),
        ("profile.csv", "2,147,483,648 bytes", "limit of 67,108,864"),
    ),
    Case(
        "profile_too_many_rows",
        "exhaustion",
        profile_text(PROFILE_HEADER + _hours(130_000)),
        ("profile.csv:120002", "more than 120,000 rows"),
    ),
    Case(
        "profile_one_endless_line",
        "exhaustion",
        profile_text("timestamp,g_co2e_per_kwh," + "9" * (2 * 1024**2)),
        ("profile.csv:1", "line longer than 16,384 bytes"),
    ),
    Case(
        "profile_symlink_to_passwd",
        "message",
        grid_profile(lambda p: p.symlink_to("/etc/passwd")),
        ("profile.csv (a symlink to /etc/passwd)", "not a grid-profile format this project reads"),
        absent=("root:", "/bin/", "nologin"),
    ),
    Case(
        "profile_symlink_to_dev_zero",
        "exhaustion",
        grid_profile(lambda p: p.symlink_to("/dev/zero")),
        ("profile.csv (a symlink to /dev/zero)", "must be a regular file", "a character device"),
    ),
    Case(
        "profile_fifo",
        "exhaustion",
        grid_profile(lambda p: os.mkfifo(p)),
        ("profile.csv", "must be a regular file", "a named pipe (FIFO)"),
    ),
    Case(
        "profile_directory",
        "message",
        grid_profile(lambda p: p.mkdir()),
        ("profile.csv", "must be a regular file", "a directory"),
    ),
    Case(
        "profile_missing",
        "message",
        grid_profile(lambda p: None),
        ("profile.csv", "no such grid profile"),
    ),
    Case(
        "profile_utf16_bom",
        "message",
        profile_text((PROFILE_HEADER + _hours(48)).encode("utf-16")),
        ("profile.csv", "UTF-16 LE byte-order mark", "save it as UTF-8"),
    ),
    Case(
        "profile_utf8_bom_then_bad_value",
        "message",
        profile_text(b"\xef\xbb\xbf" + (PROFILE_HEADER + _hours(30) + _hours(1, "lots", 30)).encode()),
        ("profile.csv:32", "g_co2e_per_kwh", "'lots'", "not a number"),
    ),
    Case(
        "profile_binary",
        "message",
        profile_text(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
        ("profile.csv:1", "not UTF-8"),
    ),
    Case(
        "profile_secret_in_value",
        "message",
        profile_text(PROFILE_HEADER + _hours(30) + "2025-01-02T06:00:00+00:00,password=hunter2;token=abc\n"),
        ("profile.csv:32", "g_co2e_per_kwh", "not shown", "not a number"),
        absent=("hunter2", "token"),
    ),
    # --- an artefact root that cannot be opened, or that each process would read differently ---
    artefact_root("artifact_root_s3_without_s3fs", "s3://lca-bucket/lca", "pip install s3fs"),
    artefact_root("artifact_root_gs_without_gcsfs", "gs://lca-bucket/lca", "pip install gcsfs"),
    artefact_root("artifact_root_http_without_aiohttp", "http://files.example.org/lca", "pip install aiohttp"),
    artefact_root("artifact_root_relative", "shared/lca", "relative path", "file:///"),
    artefact_root("artifact_root_file_url_on_another_host", "file://fileserver/srv/lca", "names the host 'fileserver'"),
    # --- issue 22: reassess runs validate's checks first; stored artefacts fail by name ---------------
    Case(
        "link_to_a_missing_project_validate",
        "message",
        linked(["validate"]),
        ("field 'lca.background.electricity'", "Brightway project", "does not exist"),
        env={"BRIGHTWAY2_DIR": "{folder}/brightway"},  # bw2data makes its folder on import: not a publication
    ),
    Case(
        "link_to_a_missing_project_reassess",
        "message",
        linked(["reassess", "--from", EARLIER_RUN]),
        ("field 'lca.background.electricity'", "Brightway project", "does not exist"),
        env={"BRIGHTWAY2_DIR": "{folder}/brightway"},  # bw2data makes its folder on import: not a publication
    ),
    Case(
        "link_set_on_the_command_line_reassess",
        "message",
        reassess_set("lca.background={electricity: {database: ecoinvent-3.10-cutoff, code: abc}}"),
        ("field 'lca.background.electricity'", "Brightway project", "does not exist"),
        env={"BRIGHTWAY2_DIR": "{folder}/brightway"},  # bw2data makes its folder on import: not a publication
    ),
    Case(
        "reassess_a_run_whose_stored_gate_is_truncated",
        "message",
        damaged_run("gates/dataset.json", b'{"name": "dataset", "succ'),
        (
            "stored artefact 'runs/digits/manual__damaged/gates/dataset.json'",
            "of run 'manual__damaged'",
            "not valid JSON",
        ),
        env={"LCA_ARTIFACT_ROOT": "file://{folder}/store"},
        names_study_file=False,
    ),
    Case(
        "reassess_a_run_whose_stored_settings_are_not_utf8",
        "message",
        damaged_run("settings.json", b"\xff\xfe{"),
        ("stored artefact 'runs/digits/manual__damaged/settings.json'", "of run 'manual__damaged'", "not UTF-8"),
        env={"LCA_ARTIFACT_ROOT": "file://{folder}/store"},
        names_study_file=False,
    ),
]
