"""Running a study: the Airflow DAG factory, the pipeline stages the tasks call, and the embedded Airflow.

The top of the stack: it may import every part. The DAG factory imports only
:mod:`lca.study` at parse time; each stage imports the heavy parts inside the task.
"""
