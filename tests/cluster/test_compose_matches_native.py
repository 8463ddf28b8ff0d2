"""docker-compose.yaml and `make cluster` describe one deployment: same settings, services, commands.

No Docker engine runs on the project's machines, so the compose file is never started
here; the native cluster (scripts/cluster/cluster.py) is. These checks keep the two from
drifting: both take their Airflow settings from deploy/airflow.env and set only the
per-deployment keys themselves, run the same `airflow` subcommands, and share one init
script that stops at the first failure.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yaml"

sys.path.insert(0, str(REPO / "scripts" / "cluster"))  # not a package: its modules import each other by name
import cluster_airflow as cluster  # noqa: E402  (the Airflow services, with the layout names they use)
import cluster_init  # noqa: E402
import cluster_postgres  # noqa: E402

SETTINGS = cluster.load_settings()
FAKE_SECRETS = {
    key: f"test-{key}"
    for key in ("pg_password", "redis_password", "fernet_key", "jwt_secret", "api_secret_key", "admin_password")
} | {"admin_user": "admin"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def native() -> list:
    return cluster.airflow_services(cluster.Layout(Path("/nonexistent/cluster")), FAKE_SECRETS, SETTINGS)


def _airflow_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if name.startswith("airflow-")}


def _airflow_subcommand(argv: list[str]) -> list[str]:
    """What follows the `airflow` executable (a worker may be wrapped in unshare ... sh -c ...)."""
    airflow = str(cluster.VENV_BIN / "airflow")
    return argv[argv.index(airflow) + 1 :]


def test_the_settings_cover_what_the_issue_asks_for():
    assert SETTINGS["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert SETTINGS["AIRFLOW__CORE__AUTH_MANAGER"].startswith("airflow.providers.fab.")
    assert int(SETTINGS["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"]) >= 1
    assert int(SETTINGS["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"]) > 0
    # failed and back in the queue within about two minutes of a worker's death
    detect = int(SETTINGS["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"]) + int(
        SETTINGS["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL"]
    )
    assert detect + int(SETTINGS["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"]) <= 120
    # the worker gives up on an unreachable API server before the scheduler retries elsewhere
    assert int(SETTINGS["AIRFLOW__WORKERS__MAX_FAILED_HEARTBEATS"]) * 5 < int(
        SETTINGS["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"]
    )
    assert 60 <= int(SETTINGS["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"]) <= 900
    assert int(SETTINGS["AIRFLOW__CELERY__WORKER_CONCURRENCY"]) >= 1


def test_the_settings_loader_refuses_what_compose_would_read_differently(tmp_path):
    for line, needle in [
        ('AIRFLOW__CORE__EXECUTOR="CeleryExecutor"', "quotes"),
        ("AIRFLOW__CORE__EXECUTOR=${EXECUTOR}", "quotes"),
        ("AIRFLOW__CORE__EXECUTOR", "KEY=VALUE"),
        ("LCA_HOME=/somewhere", "differs per deployment"),
    ]:
        path = tmp_path / "airflow.env"
        path.write_text(f"# comment\n{line}\n")
        with pytest.raises(cluster.ClusterError, match=needle) as info:
            cluster.load_settings(path)
        assert f"{path}:2" in str(info.value)


def test_same_services(compose):
    assert set(compose["services"]) == set(cluster.AIRFLOW_SERVICES) | set(cluster.OTHER_SERVICES)


def test_every_airflow_service_reads_the_one_settings_file_and_overrides_none_of_it(compose):
    for name, service in _airflow_services(compose).items():
        assert service.get("env_file") == ["deploy/airflow.env"], name
        overridden = set(service["environment"]) & set(SETTINGS)
        assert not overridden, f"{name} sets {sorted(overridden)} itself: they belong in deploy/airflow.env"


def test_compose_sets_exactly_the_deployment_keys(compose):
    extras = {"airflow-init": cluster.INIT_KEYS | {"AIRFLOW_UID"}, "airflow-worker": {"DUMB_INIT_SETSID"}}
    for name, service in _airflow_services(compose).items():
        assert set(service["environment"]) == cluster.DEPLOYMENT_KEYS | extras.get(name, set()), name


def test_every_native_process_gets_the_settings_file_unchanged_plus_the_deployment_keys(native):
    inherited = set(cluster.base_env())
    for service in native:
        for key, value in SETTINGS.items():
            assert service.env[key] == value, (service.name, key)
        own = set(service.env) - inherited - set(SETTINGS)
        expected = cluster.DEPLOYMENT_KEYS | (cluster.HOST_KEYS if service.host in cluster.WORKERS else set())
        assert own == expected, service.name


def test_same_commands(compose, native):
    by_command: dict[tuple[str, ...], list] = {}
    for service in native:
        sub = _airflow_subcommand(service.argv)
        by_command.setdefault(tuple(sub[:2] if sub[0] == "celery" else sub[:1]), []).append(service)
    for name, service in _airflow_services(compose).items():
        if name == "airflow-init":
            continue
        command = tuple(shlex.split(service["command"]))
        assert command == cluster.AIRFLOW_SERVICES[name], name
        assert by_command.get(command), f"the native cluster runs no `airflow {' '.join(command)}`"
        for service in by_command[command]:
            extra = _airflow_subcommand(service.argv)[len(command) :]
            # a worker names itself (containers have their own host names); nothing else differs
            assert extra == (["--celery-hostname", f"{service.host}@lca"] if name == "airflow-worker" else []), extra
    assert set(by_command) == set(cluster.AIRFLOW_SERVICES.values())


def test_native_workers_are_distinct_hosts(native):
    workers = [s for s in native if s.host in cluster.WORKERS]
    assert len(workers) == 2
    assert len({s.env["LCA_CLUSTER_HOST"] for s in workers}) == 2
    assert len({s.env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] for s in workers}) == 2
    assert len({s.env["LCA_HOME"] for s in workers}) == 2
    hostnames = {
        _airflow_subcommand(s.argv)[_airflow_subcommand(s.argv).index("--celery-hostname") + 1] for s in workers
    }
    assert len(hostnames) == 2
    assert len({s.env["LCA_ARTIFACT_ROOT"] for s in native}) == 1  # the one thing hosts share


def test_one_init_script_that_fails_loudly(compose):
    init = compose["services"]["airflow-init"]
    script = "\n".join(init["command"])
    assert "set -euo pipefail" in script
    assert "bash /opt/lca/scripts/cluster/airflow-init.sh" in script
    assert "|| true" not in script
    assert 'chown -R "$${AIRFLOW_UID:-50000}:0" /opt/lca-artifacts' in script
    assert init["user"] == "0:0"
    shared = cluster_init.INIT_SCRIPT.read_text()
    assert "set -euo pipefail" in shared and "|| true" not in shared
    for step in ("airflow db migrate", "airflow users create", "airflow pools import"):
        assert step in shared
    assert cluster_init.INIT_SCRIPT == REPO / "scripts" / "cluster" / "airflow-init.sh"


def test_the_services_wait_for_a_successful_init(compose):
    for name, service in _airflow_services(compose).items():
        if name != "airflow-init":
            assert service["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}, name


def test_same_postgresql_major_version(compose):
    image = compose["services"]["postgres"]["image"]
    assert image.split(":")[1].split(".")[0] == cluster_postgres.PG_BIN_DIRS[0].parent.name, image


def _mounts(service: dict) -> dict[str, str]:
    """Container path -> source (a named volume or a host path) of a compose service."""
    return {entry.split(":")[1]: entry.split(":")[0] for entry in service["volumes"]}


def test_compose_containers_share_the_artefact_root_and_nothing_of_brightway(compose):
    named = set(compose["volumes"])
    for name, service in _airflow_services(compose).items():
        env, mounts = service["environment"], _mounts(service)
        root = env["LCA_ARTIFACT_ROOT"].split(":-", 1)[1].rstrip("}").removeprefix("file://")
        assert mounts.get(root) in named, f"{name}: the artefact root {root} is not on a shared volume"
        for key in ("LCA_HOME", "BRIGHTWAY2_DIR"):
            inside = [path for path in mounts if env[key] == path or env[key].startswith(path.rstrip("/") + "/")]
            assert not inside, f"{name}: {key}={env[key]} lies on the mount {inside}: SQLite shared between hosts"


def test_native_hosts_share_the_artefact_root_and_nothing_of_brightway(native):
    workers = [s for s in native if s.host in cluster.WORKERS]
    shared = Path(workers[0].env["LCA_ARTIFACT_ROOT"].removeprefix("file://"))
    brightway = {Path(s.env["BRIGHTWAY2_DIR"]) for s in workers}
    assert len(brightway) == len(workers)
    assert not [b for b in brightway if b.is_relative_to(shared)]
