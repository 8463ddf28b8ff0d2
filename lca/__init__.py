"""Life-cycle assessment of machine-learning systems against a non-ML reference.

The package has one subpackage per part of the product, layered so that each
imports only those below it (checked by ``lint-imports``, see ``pyproject.toml``):

* :mod:`lca.orchestration`: the Airflow DAG factory, the pipeline stages and the embedded Airflow;
* :mod:`lca.reporting`: the HTML and CSV report of a run, its charts and the report index;
* :mod:`lca.ml`: datasets, models, training, compression, benchmarks, energy measurement;
* :mod:`lca.assessment`: inventory, background data, characterization, the engine, Brightway;
* :mod:`lca.study`: the study schema, cited reference data and the metric tables of each task kind;
* shared modules at the top: :mod:`lca.records`, :mod:`lca.uncertainty`, :mod:`lca.errors`,
  :mod:`lca.settings`; and :mod:`lca.cli`, the command line, over all of them.

Importing this package is cheap and never imports Airflow, torch or Brightway:
the DAG files import it at parse time.
"""

__version__ = "0.1.0"
