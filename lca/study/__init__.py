"""What a study declares, checked before anything runs: the schema, the cited reference data, task-kind metrics.

Owns the YAML study format, the parameters under ``include/data/`` with their sources
and spreads, and the tables of which metrics and impact methods a study may name.
May import only the shared top-level modules (records, uncertainty, errors, settings);
never torch, pandas or Brightway, since parsing the DAG folder imports it.
"""
