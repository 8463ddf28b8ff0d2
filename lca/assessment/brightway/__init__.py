"""The Brightway side of the assessment: project and background databases, foreground inventory, LCIA,
Brightway's own Monte Carlo (to validate and time :mod:`lca.assessment.engine`) and the Excel export.

Nothing here imports Brightway at module level: bw2data reads ``BRIGHTWAY2_DIR``
when it is first imported, so :func:`lca.assessment.brightway.project.use_brightway_dir` must run
before, and a DAG file that only imports this package must stay cheap to parse.
"""
