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


def test_compose_mounts_the_lock_directory_from_the_docker_host_into_every_airflow_service():
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    for name, service in compose["services"].items():
        if not name.startswith("airflow-"):
            continue
        lock_dir = service["environment"]["LCA_HOST_LOCK_DIR"]
        assert f"{lock_dir}:{lock_dir}" in service["volumes"], name  # a host path, not a named volume
    init = "\n".join(compose["services"]["airflow-init"]["command"])
    assert "chmod 1777 /var/lock/lca-ml" in init  # workers run as AIRFLOW_UID
