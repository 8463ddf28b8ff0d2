"""What ``lca-ml validate`` checks of a bring-your-own data file, before anything trains.

The docs promise that mistakes are reported before anything trains, so a single-class
target, a text value in a feature, a header with a repeated column or a file without
rows must fail validation, not a task an hour into the run. This reads the header,
the first :data:`SAMPLE_ROWS` rows (column types) and the target column in full (the
classes and the row count: a sample could miss the rare class), with the same checks
as :func:`lca.ml.datasets.user_file.load`. The Great Expectations gate in the DAG
stays the full check of the prepared table.

Not run when Airflow parses the DAG folder (it imports pandas): by the CLI only.
"""

from __future__ import annotations

from pathlib import Path

from lca.errors import StudyError
from lca.ml.datasets import user_file
from lca.study.schema import Study

SAMPLE_ROWS = 1000


def check_data_file(study: Study, study_path: Path) -> None:
    """StudyError naming the study file, the data file, the field and the value at fault."""
    spec = study.dataset
    path = Path(spec.file)
    try:
        user_file.check_header(user_file.read_header(path), path)
        sample = user_file.read_table(path, nrows=SAMPLE_ROWS)
        user_file.check_rows(len(sample), path)
        user_file.check_columns(sample, spec, path)
        target = user_file.read_table(path, usecols=[spec.target])
        user_file.check_rows(len(target), path)
        user_file.check_target(target, path, spec.target, study.task.kind)
    except StudyError as exc:
        raise StudyError(f"{study_path}: dataset file {exc}") from None
