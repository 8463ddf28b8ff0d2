"""Every hostile or careless input of the catalogue (cases.py) fails cleanly through the real CLI.

For each case, ``lca-ml`` runs in a subprocess under hard limits (tests/bad_inputs/limited.py:
2 GiB of address space, 30 s of CPU) and a wall-clock timeout, with its own LCA_HOME holding
an earlier run's report and artefacts. Each case asserts:

- the exit status;
- that the message names the study file (or the option, for a ``--set`` value), the field and the value
  (the case's ``expect``);
- that nothing is published (no new report or run folder) and the earlier report and
  artefacts are byte for byte unchanged;
- that no command of a code-execution attempt ran (no marker file);
- the time and memory it took (bounds below).

The cases run two at a time (this machine has two cores) in one session fixture, so the
whole catalogue takes well under a minute; each case's assertions stay its own test.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bad_inputs.cases import CASES, EARLIER_RUN, MARKER, Case

LIMITED = Path(__file__).with_name("limited.py")
LCA_ML = Path(sys.executable).with_name("lca-ml")
TIMEOUT_S = 60  # wall clock, generous for a loaded shared machine; the CPU limit is the hard one
MAX_SECONDS = 30  # a refused input is refused in about a second of CPU
MAX_RSS_MIB = 600  # lca-ml validate needs about 150 MiB; an expanding alias bomb needed 5.5 GB


@dataclass
class Outcome:
    code: int
    output: str
    seconds: float
    maxrss_mib: float
    home: Path
    folder: Path
    study_args: list[str]
    before: dict[str, str]


def _tree_hashes(root: Path) -> dict[str, str]:
    """Path -> sha256 of every file under ``root`` (and the folders, as entries)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return out


def _earlier_results(home: Path) -> None:
    """What an earlier run left: its report and its artefacts, which no bad input may touch."""
    report = home / "reports" / "digits" / EARLIER_RUN
    report.mkdir(parents=True)
    (report / "report.html").write_text("<html><body>earlier digits report</body></html>")
    (report / "results.csv").write_text("scenario,score\nbaseline,1.0\n")
    runs = home / "var" / "runs" / "digits" / EARLIER_RUN / "lca"
    runs.mkdir(parents=True)
    (runs / "inventory.json").write_text('{"earlier": true}')


def _run_case(case: Case, root: Path) -> Outcome:
    case_dir = root / case.id
    folder, home = case_dir / "studies", case_dir / "home"
    folder.mkdir(parents=True)
    _earlier_results(home)
    before = _tree_hashes(home)
    args = case.build(folder)
    env = {
        **os.environ,
        "LCA_HOME": str(home),
        "LCA_STUDIES_DIR": str(folder),
        "AIRFLOW_HOME": str(home / "airflow"),
        "GX_ANALYTICS_ENABLED": "False",
        "NO_COLOR": "1",
        **{name: value.format(folder=folder) for name, value in case.env.items()},
    }
    for name in ("LCA_REPORTS_DIR", "BRIGHTWAY2_DIR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "LCA_ARTIFACT_ROOT"):
        if name not in case.env:
            env.pop(name, None)
    report = case_dir / "usage.json"
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(LIMITED), str(report), "--", str(LCA_ML), *args],
        cwd=case_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    seconds = time.perf_counter() - started
    usage = json.loads(report.read_text())
    return Outcome(
        proc.returncode, proc.stdout + proc.stderr, seconds, usage["maxrss_kib"] / 1024, home, folder, args, before
    )


@pytest.fixture(scope="session")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """Run the selected cases (all, or those ``-k`` picked) two at a time, once per session."""
    selected = {
        item.callspec.params["case"].id
        for item in request.session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("case"), Case)
    }
    root = tmp_path_factory.mktemp("bad_inputs")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case.id: pool.submit(_run_case, case, root) for case in CASES if case.id in selected}
        return {case_id: future.result() for case_id, future in futures.items()}


def test_the_catalogue_covers_every_class_of_the_issue_with_at_least_60_cases():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == {"code", "exhaustion", "magnitude", "reinterpretation", "message", "other"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_is_refused_clearly_and_publishes_nothing(case: Case, outcomes):
    out = outcomes[case.id]
    message = out.output

    assert out.code == case.code, message
    # The file at fault (or the option or environment variable), then the field and the value.
    assert str(out.folder) in message or not case.names_study_file, message
    for words in case.expect:
        assert words in message, f"{words!r} not in:\n{message}"
    for words in case.absent:
        assert words not in message, f"{words!r} (the file's content) in:\n{message}"
    assert "Traceback" not in message, message
    # Nothing published; the earlier report and artefacts untouched, byte for byte.
    assert _tree_hashes(out.home) == out.before
    # No command of a code-execution attempt ran.
    assert not (out.folder.parent / MARKER).exists() and not (out.folder / MARKER).exists()
    # Bounded: time and memory.
    assert out.seconds < MAX_SECONDS, f"{out.seconds:.1f} s"
    assert out.maxrss_mib < MAX_RSS_MIB, f"{out.maxrss_mib:.0f} MiB"
