"""Write the README's pipeline diagram from the DAG itself and lca.run_layout.

The diagram shows every task of a study's DAG, its upstream tasks, which tasks measure
energy (lca.orchestration.progress.MEASURING_TASKS), and the files each one
writes (lca.run_layout.written_by). It is written between two markers in
README.md; ``--check`` exits 1 when the README's copy is stale (tests/orchestration/test_readme_diagram.py).

    PYTHONPATH=. .venv/bin/python scripts/readme_diagram.py [--check]
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
STUDY = REPO / "include" / "studies" / "digits.yaml"  # any study with compressed variants shows every task
BEGIN = "<!-- pipeline diagram: written by scripts/readme_diagram.py from the DAG and lca/run_layout.py -->"
END = "<!-- end of pipeline diagram -->"


def _label(text: str) -> str:
    return html.escape(text, quote=True)


def diagram() -> str:
    """The Markdown between the markers: a Mermaid flowchart and the sentence that reads it."""
    from lca.orchestration import embedded_airflow

    embedded_airflow.configure()
    from lca.orchestration.dag_factory import build_study_dag
    from lca.orchestration.progress import MEASURING_TASKS
    from lca.run_layout import RunLayout, written_by

    dag = build_study_dag(STUDY)
    run = RunLayout("runs/<study>/<run>")
    files = written_by(run, variant="<variant>", dataset="dataset[_SYNTHETIC].csv")
    tasks = {t.task_id: t for t in dag.tasks}
    if set(files) != set(tasks):
        raise SystemExit(
            f"lca.run_layout.written_by and the DAG disagree on the tasks: "
            f"only in the DAG {sorted(set(tasks) - set(files))}, only in written_by {sorted(set(files) - set(tasks))}"
        )
    lines = ["```mermaid", "flowchart LR", "    study[/study YAML/] --> settings"]
    for task_id, keys in files.items():  # in pipeline order
        task = tasks[task_id]
        title = task_id + (" (one per variant)" if getattr(task, "is_mapped", False) else "")
        shown = [k.removeprefix(run.prefix + "/") + ("/" if k == run.report else "") for k in keys]
        label = "<br/>".join([f"<b>{_label(title)}</b>", *(_label(name) for name in shown)])
        measured = task_id in MEASURING_TASKS
        lines.append(f'    {task_id}["{label}"]' + (":::measured" if measured else ""))
        lines.extend(f"    {upstream} --> {task_id}" for upstream in sorted(task.upstream_task_ids))
    lines += ["    classDef measured stroke-width:3px,stroke:#b45309", "```"]
    note = (
        "Each box is a task of the DAG and the files it writes under `runs/<study>/<run id>/` in the artefact "
        "store (the report under `reports/<study>/<run id>/`). Thick orange borders mark the tasks that measure "
        "energy, each attributed to its own processes (no task holds the host for itself). Only `settings` "
        "reads the study file; every later task reads the run's `study.yaml`."
    )
    return "\n".join([BEGIN, note, "", *lines, END])


def with_diagram(readme: str, block: str) -> str:
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"the README: the markers {BEGIN!r} and {END!r} are missing")
    return readme[:start] + block + readme[end + len(END) :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's diagram is stale")
    parser.add_argument("--readme", type=Path, default=README, help="the README to write or check")
    args = parser.parse_args()
    current = args.readme.read_text()
    updated = with_diagram(current, diagram())
    if args.check:
        if updated != current:
            print(f"{args.readme}: the pipeline diagram is stale; run scripts/readme_diagram.py", file=sys.stderr)
            return 1
        return 0
    args.readme.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
