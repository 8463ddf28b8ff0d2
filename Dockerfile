# Airflow image with this project installed, for docker-compose.yaml (CeleryExecutor).
# The official compose file recommends a custom image over _PIP_ADDITIONAL_REQUIREMENTS.
# The .[cluster] extra brings the Celery provider, the FAB auth manager and the PostgreSQL
# drivers at the versions of requirements/constraints.txt, the same as `make cluster`.
FROM apache/airflow:3.3.2-python3.11

# torch is pinned exactly. On Linux x86_64 the default PyPI wheel is the CUDA build;
# pass --build-arg PIP_EXTRA_INDEX_URL=<your CPU wheel index or mirror> to get a CPU build.
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}

USER root
COPY --chown=airflow:root . /opt/lca
# Each container's own LCA_HOME and Brightway project (docker-compose.yaml): writable by
# any AIRFLOW_UID, which runs with group 0, as the official image expects.
RUN mkdir -p /opt/lca-local && chown airflow:0 /opt/lca-local && chmod 2775 /opt/lca-local
USER airflow
RUN pip install --no-cache-dir torch==2.13.0 \
 && pip install --no-cache-dir -c /opt/lca/requirements/constraints.txt -e "/opt/lca[cluster]"
