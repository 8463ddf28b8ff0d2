"""Both deployments give every worker of one machine the same, machine-local host lock directory."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cluster.test_compose_matches_native import COMPOSE_FILE, FAKE_SECRETS, SETTINGS, cluster


def test_native_workers_share_one_lock_directory_outside_every_host_directory():
    layout = cluster.Layout(Path("/nonexistent/cluster"))
    workers = [s for s in cluster.airflow_services(layout, FAKE_SECRETS, SETTINGS) if s.host in cluster.WORKERS]
    dirs = {s.env["LCA_HOST_LOCK_DIR"] for s in workers}
    assert dirs == {str(layout.locks)}
    # not hidden by a worker's mount namespace, which hides the other hosts' directories
    assert not any(d.startswith(str(layout.root / "hosts")) for d in dirs)


def test_compose_gives_every_airflow_service_of_a_docker_host_one_lock_volume():
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    volumes = set()
    for name, service in compose["services"].items():
        if not name.startswith("airflow-"):
            continue
        lock_dir = service["environment"]["LCA_HOST_LOCK_DIR"]
        mounted = [entry.split(":")[0] for entry in service["volumes"] if entry.split(":")[1] == lock_dir]
        assert len(mounted) == 1, name
        volumes.add(mounted[0])
    # a named volume: local to its Docker host and shared by every container there (a host
    # path such as /var/lock/lca-ml fails on Docker Desktop)
    assert len(volumes) == 1 and volumes <= set(compose["volumes"]), volumes
    init = "\n".join(compose["services"]["airflow-init"]["command"])
    assert f"chmod 1777 {lock_dir}" in init  # workers run as AIRFLOW_UID
