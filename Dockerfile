# Airflow image with this project installed, for docker-compose.yaml (CeleryExecutor).
# The official compose file recommends a custom image over _PIP_ADDITIONAL_REQUIREMENTS.
# The slim image carries core Airflow only, without the regular image's preinstalled
# providers and their pins: what it needs comes from the .[cluster] extra (the Celery
# provider, the FAB auth manager, the PostgreSQL drivers) at the versions of
# requirements/constraints.txt, the same as `make cluster`.
FROM apache/airflow:slim-3.3.2-python3.11

# The CPU build of torch, pinned: the workers have no GPU, and the default PyPI wheel on
# Linux x86_64 is the multi-GB CUDA build. A mirror of the CPU index can be given with
# --build-arg TORCH_INDEX_URL=...
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

USER root
# Only what .dockerignore lets through: never .env (the secrets), logs/, runs/, var/.
COPY --chown=airflow:root . /opt/lca
# Each container's own LCA_HOME and Brightway project (docker-compose.yaml): writable by
# any AIRFLOW_UID, which runs with group 0, as the official image expects. The host lock
# directory is where the `lca-host-lock` volume is mounted; a new volume takes this mode.
RUN mkdir -p /opt/lca-local /opt/lca-host-lock \
 && chown airflow:0 /opt/lca-local && chmod 2775 /opt/lca-local \
 && chmod 1777 /opt/lca-host-lock
USER airflow
RUN pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" torch==2.13.0 \
 && pip install --no-cache-dir -c /opt/lca/requirements/constraints.txt -e "/opt/lca[cluster]"
