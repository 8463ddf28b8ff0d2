#!/usr/bin/env bash
# One-time preparation of a multi-worker Airflow, shared by docker-compose.yaml (the
# airflow-init service) and `make cluster` (scripts/cluster/cluster.py): migrate the
# metadata database, create the admin user, load the pools. Any failure stops it with a
# non-zero exit, and the deployment does not start: a failed migration is never hidden.
# Safe to run again: the migration and the pool import are idempotent, and an existing
# user is left as it is (FAB's `users create` says so and exits 0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pools_file="${LCA_POOLS_FILE:-$here/../../deploy/pools.json}"
user="${_AIRFLOW_WWW_USER_USERNAME:?set _AIRFLOW_WWW_USER_USERNAME}"
password="${_AIRFLOW_WWW_USER_PASSWORD:?set _AIRFLOW_WWW_USER_PASSWORD}"

airflow db migrate
airflow users create --username "$user" --password "$password" \
  --firstname Admin --lastname User --role Admin --email admin@example.org
airflow pools import "$pools_file"
