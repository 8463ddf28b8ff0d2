"""Running a study: the Airflow DAG factory, the pipeline stages the tasks call, and the embedded Airflow.

The top of the stack: it may import every part. The DAG factory imports only light
modules at parse time; each stage imports the heavy parts inside the task. Inside, the
modules stack without circles (checked by ``lint-imports``): ``dag_factory`` wires
``stages``, which use ``reassess`` (runs that reuse measurements) and the run's home,
``run`` (a run and its files), ``run_settings`` (its assumptions) and ``layout`` (the
names of its files).
"""
