"""docker-compose.yaml and `make cluster` describe one deployment: same settings, services, commands.

No Docker engine runs on the project's machines, so the compose file is never started
here; the native cluster (scripts/cluster/cluster.py) is. These checks keep the two from
drifting: both take their Airflow settings from deploy/airflow.env and set only the
per-deployment keys themselves, run the same `airflow` subcommands, and share one init
script that stops at the first failure. They also hold the compose file to what a first
`docker compose up` needs and must never have: every secret a required variable (a known
default JWT secret lets anyone mint an admin token), the UI on loopback unless exposed on
purpose, one image for every Airflow service, and no host path outside the project.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
CONSTRAINTS = REPO / "requirements" / "constraints.txt"

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


# --- a first `docker compose up`: secrets, port, image, mounts -----------------------------

# Environment keys whose values are secrets; REDISCLI_AUTH is redis-cli's password.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|KEY|TOKEN|_AUTH$")
# Compose's required variable: `${NAME:?message}` stops compose, naming NAME, when it is unset or empty.
REQUIRED = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?(?P<message>[^}$]+)\}")


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(entry.split("=", 1) if "=" in entry else (entry, "") for entry in env)
    return {key: str(value) for key, value in env.items()}


def _required_name(value: str) -> str | None:
    """The variable a value requires, if the value is exactly one required variable."""
    match = REQUIRED.fullmatch(value)
    return match["name"] if match else None


def _url_password(value: str) -> str | None:
    """The password of a URL with credentials (required variables stand in as `<required:NAME>`)."""
    if "://" not in value:
        return None
    parts = urlsplit(REQUIRED.sub(lambda m: f"<required:{m['name']}>", value))
    return parts.password if parts.username is not None or parts.password is not None else None


def literal_secrets(compose: dict) -> list[str]:
    """Every secret in the compose file that is not a required variable: environment values
    under a secret-like key, passwords in URLs, and Redis's --requirepass argument."""
    found = []
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key) and not _required_name(value):
                found.append(f"{name}: {key}={value}")
            password = _url_password(value)
            if password is not None and not re.fullmatch(r"<required:\w+>", password):
                found.append(f"{name}: {key} has the password {password!r} in its URL")
        command = service.get("command")
        argv = shlex.split(command) if isinstance(command, str) else list(command or [])
        for flag, value in zip(argv, argv[1:]):
            if flag == "--requirepass" and not _required_name(value):
                found.append(f"{name}: --requirepass {value}")
    return found


def test_the_secret_check_finds_literal_and_defaulted_secrets():
    """The check below is only as good as this: it must catch each way a known secret slips in."""
    required = "${AIRFLOW_JWT_SECRET:?set it in .env}"
    clean = {
        "services": {
            "api": {"environment": {"AIRFLOW__API_AUTH__JWT_SECRET": required}},
            "db": {"environment": ["POSTGRES_PASSWORD=${PG:?set it}"]},
            "broker": {"command": ["redis-server", "--requirepass", "${REDIS:?set it}"]},
            "worker": {"environment": {"BROKER": "redis://:${REDIS:?set it}@redis:6379/0"}},
        }
    }
    assert literal_secrets(clean) == []
    for service in (
        {"environment": {"AIRFLOW__API_AUTH__JWT_SECRET": "change-me-in-production"}},
        {"environment": {"AIRFLOW__API_AUTH__JWT_SECRET": "${AIRFLOW_JWT_SECRET:-change-me-in-production}"}},
        {"environment": {"AIRFLOW__API_AUTH__JWT_SECRET": "${AIRFLOW_JWT_SECRET}"}},  # empty when unset
        {"environment": {"AIRFLOW__API_AUTH__JWT_SECRET": "${AIRFLOW_JWT_SECRET?set}"}},  # empty when empty
        {"environment": {"AIRFLOW__CORE__FERNET_KEY": ""}},
        {"environment": ["POSTGRES_PASSWORD=airflow"]},
        {"environment": {"REDISCLI_AUTH": "${REDIS:-redis}"}},
        {"environment": {"SQL": "postgresql+psycopg2://airflow:airflow@postgres/airflow"}},
        {"environment": {"SQL": "postgresql://airflow:${PG:-airflow}@postgres/airflow"}},
        {"environment": {"BROKER": "redis://:@redis:6379/0"}},
        {"command": "redis-server --requirepass hunter2"},
    ):
        assert literal_secrets({"services": {"x": service}}), service


def test_compose_holds_no_literal_secret(compose):
    assert literal_secrets(compose) == []


def test_each_secret_is_one_variable_wherever_it_is_used(compose):
    """The database and the broker check the password the clients send: the same variable."""
    common = _environment(compose["services"]["airflow-scheduler"])
    postgres = _required_name(_environment(compose["services"]["postgres"])["POSTGRES_PASSWORD"])
    redis_env = _environment(compose["services"]["redis"])
    redis_argv = compose["services"]["redis"]["command"]
    redis = _required_name(redis_argv[redis_argv.index("--requirepass") + 1])
    assert _required_name(redis_env["REDISCLI_AUTH"]) == redis  # the health check logs in
    assert _url_password(common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]) == f"<required:{postgres}>"
    assert _url_password(common["AIRFLOW__CELERY__RESULT_BACKEND"]) == f"<required:{postgres}>"
    assert _url_password(common["AIRFLOW__CELERY__BROKER_URL"]) == f"<required:{redis}>"
    secrets = [
        postgres,
        redis,
        *(_required_name(common[key]) for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET")),
        _required_name(common["AIRFLOW__API__SECRET_KEY"]),
    ]
    assert len(set(secrets)) == len(secrets), secrets  # no secret doubles as another


def test_there_is_no_default_login(compose):
    init = _environment(compose["services"]["airflow-init"])
    assert _required_name(init["_AIRFLOW_WWW_USER_PASSWORD"]) == "AIRFLOW_ADMIN_PASSWORD"
    assert "airflow / airflow" not in COMPOSE_FILE.read_text()


def _strings(node) -> list[str]:
    """Every string value of a loaded YAML document (comments are gone)."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def _required_variables(compose: dict) -> list[re.Match]:
    return [match for value in _strings(compose) for match in REQUIRED.finditer(value)]


def test_every_required_variable_says_how_to_set_it(compose):
    names = {match["name"] for match in _required_variables(compose)}
    assert {"AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY", "AIRFLOW_FERNET_KEY"} <= names
    for match in _required_variables(compose):
        message = match["message"]
        assert ".env" in message and "README.md" in message, match[0]
        assert "python3 -c" in message or match["name"] == "AIRFLOW_ADMIN_PASSWORD", match[0]


def test_the_settings_file_holds_no_secret():
    """deploy/airflow.env is committed and read by both deployments: secrets never go there."""
    assert not [key for key in SETTINGS if SECRET_NAME.search(key)]


def _default(value: str) -> str:
    """A value as compose resolves it when no variable is set (`${NAME:-default}` -> default)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)


def _published_host_ips(service: dict) -> list[str]:
    ips = []
    for port in service.get("ports", []):
        if isinstance(port, dict):  # the long syntax
            ips.append(_default(str(port.get("host_ip", ""))))
            continue
        parts = _default(str(port)).rsplit(":", 2)
        ips.append(parts[0] if len(parts) == 3 else "")  # "8080:8080" binds every interface
    return ips


def test_only_the_api_server_is_published_and_on_loopback(compose):
    published = {name: _published_host_ips(s) for name, s in compose["services"].items() if s.get("ports")}
    assert set(published) == {"airflow-apiserver"}, published
    for ip in published["airflow-apiserver"]:
        assert ip and ipaddress.ip_address(ip).is_loopback, f"8080 is published on {ip or 'every interface'}"
    assert compose["services"]["airflow-apiserver"]["ports"] == ["${AIRFLOW_PUBLISH_ADDRESS:-127.0.0.1}:8080:8080"]


def test_the_loopback_check_refuses_every_interface():
    assert _published_host_ips({"ports": ["8080:8080"]}) == [""]
    assert _published_host_ips({"ports": ["${ADDR:-0.0.0.0}:8080:8080"]}) == ["0.0.0.0"]
    assert _published_host_ips({"ports": [{"target": 8080, "published": 8080}]}) == [""]
    assert _published_host_ips({"ports": ["127.0.0.1:8080:8080"]}) == ["127.0.0.1"]


def test_every_airflow_service_runs_the_one_image_built_here(compose):
    common = compose["x-airflow-common"]
    assert common["build"] == "." and common["image"]
    for name, service in _airflow_services(compose).items():
        assert (service.get("build"), service.get("image")) == (".", common["image"]), name
    for name in cluster.OTHER_SERVICES:
        if not name.startswith("airflow-"):
            assert "build" not in compose["services"][name], name


def _pin(package: str) -> str:
    for line in CONSTRAINTS.read_text().splitlines():
        if line.startswith(f"{package}=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError(f"{package} is not pinned in {CONSTRAINTS}")


def test_the_image_is_the_slim_airflow_of_the_constraints_with_cpu_torch():
    text = DOCKERFILE.read_text()
    python = ".".join(map(str, sys.version_info[:2]))
    assert re.findall(r"^FROM (\S+)", text, re.M) == [f"apache/airflow:slim-{_pin('apache-airflow')}-python{python}"]
    torch = re.search(r"pip install [^\n]*--index-url \"?\$\{TORCH_INDEX_URL\}\"? torch==(\S+)", text)
    assert torch and torch[1] == _pin("torch"), "torch is installed, pinned, from the CPU index"
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu\n" in text
    assert '-c /opt/lca/requirements/constraints.txt -e "/opt/lca[cluster]"' in text


def _volume_sources(compose: dict) -> dict[str, list[str]]:
    """Service -> the source of each of its mounts (a named volume or a host path)."""
    sources = {}
    for name, service in compose["services"].items():
        entries = service.get("volumes", [])
        sources[name] = [e["source"] if isinstance(e, dict) else str(e).split(":")[0] for e in entries]
    return sources


def mounts_outside_the_project(compose: dict) -> list[str]:
    """Mounts whose source is neither a declared named volume nor a folder of this checkout:
    an absolute host path fails on Docker Desktop ("mounts denied") and ties the file to one host."""
    named = set(compose.get("volumes") or {})
    outside = []
    for name, sources in _volume_sources(compose).items():
        for source in sources:
            inside = source.startswith("./") and (REPO / source).resolve().is_relative_to(REPO)
            if source not in named and not inside:
                outside.append(f"{name}: {source}")
    return outside


def test_nothing_mounts_a_host_path_outside_the_project(compose):
    assert mounts_outside_the_project(compose) == []


def test_the_mount_check_refuses_host_paths_and_undeclared_volumes():
    for entry in ("/var/lock/lca-ml:/var/lock/lca-ml", "./../elsewhere:/x", "~/data:/x", "undeclared:/x"):
        assert mounts_outside_the_project({"services": {"s": {"volumes": [entry]}}}) == [f"s: {entry.split(':')[0]}"]
    assert (
        mounts_outside_the_project({"volumes": {"v": None}, "services": {"s": {"volumes": ["v:/x", "./dags:/d"]}}})
        == []
    )


def _readme_env_recipe() -> str:
    """The README's bash block that writes .env for docker compose."""
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    recipes = [block for block in blocks if 'echo "AIRFLOW_UID=$(id -u)" > .env' in block]
    assert len(recipes) == 1, "the README has one block that writes .env"
    return recipes[0]


def test_the_readme_recipe_writes_every_required_variable(compose, tmp_path):
    from cryptography.fernet import Fernet

    subprocess.run(["bash", "-euo", "pipefail", "-c", _readme_env_recipe()], cwd=tmp_path, check=True, timeout=60)
    env_file = tmp_path / ".env"
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line and line[0] != "#")
    assert env_file.stat().st_mode & 0o077 == 0, "the secrets are readable by their owner only"
    assert values["AIRFLOW_UID"] == str(os.getuid())
    required = {match["name"] for match in _required_variables(compose)}
    assert required <= set(values), f"the README leaves out {sorted(required - set(values))}"
    for name in required:
        assert re.fullmatch(r"[A-Za-z0-9_=-]{32,}", values[name]), (name, "URL-safe, at least 32 characters")
    Fernet(values["AIRFLOW_FERNET_KEY"].encode())  # raises on a malformed key
    assert len({values[name] for name in required}) == len(required)


def test_secrets_and_state_stay_out_of_git_and_of_the_image():
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", ".env", "logs/x.log", "runs/x", "var/x"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == [".env", "logs/x.log", "runs/x", "var/x"]
    dockerignore = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert {".env", "logs", "runs", "var", ".git"} <= dockerignore
