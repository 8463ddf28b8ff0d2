"""The reports in the artefact store as the Airflow UI plugin lists and serves them.

The plugin turns URL paths into file paths; everything that decides which
file a URL may reach lives here, as pure functions over a root folder, so the
rules are tested without a web server. The root is the store's ``reports/``
folder (:func:`lca.settings.reports_dir`): a local ``pathlib`` path for a
``file://`` store, a ``upath.UPath`` for an object store, which has neither
symlinks nor ``..``. Only the standard library and ``lca.settings`` are
imported: the plugin module is loaded by every Airflow component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from lca.settings import safe_name

REPORT_HTML = "report.html"  # the name lca.reporting.run_report writes
# Longer names cannot be files on any filesystem the reports live on (NAME_MAX, PATH_MAX):
# refused before the OS is asked, so a hostile URL is a 404, not an OSError.
MAX_NAME_CHARS = 255
MAX_PATH_CHARS = 1024
HISTORY_HTML = "history.html"  # lca.reporting.history, one per study, next to the run folders
# The study-level files a URL may reach (<study>/<file>): the history page, its charts and table.
STUDY_FILE = re.compile(r"^(history\.html|history\.parquet|history\.csv|history_\d{2}\.png)$")


class ReportNotFound(LookupError):
    """No servable file at that path (missing, hidden, or outside the reports folder)."""


@dataclass(frozen=True)
class RunReport:
    study: str
    run: str  # the folder name: lca.settings.safe_name of the Airflow run id
    path: Path
    modified: datetime
    complete: bool  # report.html is there

    @property
    def report_path(self) -> str:
        """Relative to the reports root, with forward slashes, for URLs."""
        return f"{self.study}/{self.run}/{REPORT_HTML}"


def _visible_dirs(folder: Path) -> list[Path]:
    """Real sub-folders: dot-names are lca.reporting.run_report's staging folders (and editor or
    OS debris); a symlink is not a run of the study it sits in (it may point at another
    study's run, which the caller may not be allowed to read)."""
    try:
        if folder.is_symlink() or not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_dir() and not p.is_symlink())
    except OSError:
        return []


def list_studies(root: Path) -> list[str]:
    return [p.name for p in _visible_dirs(root)]


def list_runs(root: Path, study: str) -> list[RunReport]:
    """The study's run reports, newest first."""
    if not plausible_name(study) or study not in list_studies(root):
        return []
    runs = []
    for folder in _visible_dirs(root / study):
        html = folder / REPORT_HTML
        stamp = (html if html.is_file() else folder).stat().st_mtime
        runs.append(
            RunReport(
                study=study,
                run=folder.name,
                path=folder,
                modified=datetime.fromtimestamp(stamp, tz=UTC),
                complete=html.is_file(),
            )
        )
    return sorted(runs, key=lambda r: r.modified, reverse=True)


def history_page(root: Path, study: str) -> str | None:
    """The study's history page relative to the reports root, when one was written."""
    if study in list_studies(root) and (root / study / HISTORY_HTML).is_file():
        return f"{study}/{HISTORY_HTML}"
    return None


def find_run(root: Path, dag_id: str, run_id: str) -> RunReport | None:
    """The report of an Airflow DAG run: the DAG id is the study name, the folder is safe_name(run_id)."""
    if not plausible_name(dag_id) or not plausible_name(run_id):
        return None
    try:
        folder = safe_name(run_id)
    except ValueError:
        return None
    return next((r for r in list_runs(root, dag_id) if r.run == folder), None)


def resolve_file(root: Path, relative: str) -> Path:
    """The file ``relative`` names under ``root``; ReportNotFound for anything else.

    Refused: paths that are absolute or above a run folder, ``..`` and
    dot-names (staging folders, hidden files), NUL bytes and backslashes,
    directories, and any path (symlinks included) that resolves outside ``root``.
    """
    if not relative or len(relative) > MAX_PATH_CHARS or "\x00" in relative or "\\" in relative:
        raise ReportNotFound(relative[:80])
    parts = PurePosixPath(relative).parts
    # <study>/<run>/<file>, or one of a study's own files (its history): nothing else above a run folder.
    study_level = len(parts) == 2 and STUDY_FILE.match(parts[1]) is not None
    if (
        (len(parts) < 3 and not study_level)
        or PurePosixPath(relative).is_absolute()
        or any(p.startswith(".") for p in parts)
    ):
        raise ReportNotFound(relative[:80])
    if any(len(p) > MAX_NAME_CHARS for p in parts):
        raise ReportNotFound(relative[:80])
    if not isinstance(root, Path):  # an object store: keys, no symlinks; '..' and dot-names refused above
        candidate = root.joinpath(*parts)
        if not candidate.is_file():
            raise ReportNotFound(relative[:80])
        return candidate
    base = root.resolve()
    try:
        run_folder = base / parts[0] / parts[1]
        if (base / parts[0]).is_symlink() or run_folder.is_symlink():
            raise ReportNotFound(relative[:80])  # not listed as a run, so not served as one
        candidate = base.joinpath(*parts).resolve()
        if not candidate.is_relative_to(run_folder) or not candidate.is_file():
            raise ReportNotFound(relative[:80])
    except OSError:  # ENAMETOOLONG, ELOOP, EACCES...: no servable file there either
        raise ReportNotFound(relative[:80]) from None
    return candidate


def plausible_name(name: str) -> bool:
    """A study or run name that could be a folder (before any filesystem call)."""
    return 0 < len(name) <= MAX_NAME_CHARS and "\x00" not in name and "/" not in name


def study_of(root: Path, path: Path) -> str:
    """The study folder a resolved file belongs to, for the caller's access check."""
    if not isinstance(root, Path):
        return str(path)[len(str(root).rstrip("/")) + 1 :].split("/")[0]
    return path.relative_to(root.resolve()).parts[0]
