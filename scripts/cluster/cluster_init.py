"""The one-time set-up steps of a cluster, run again only when what they depend on changed.

``airflow-init.sh`` (migrate, admin user, pools) and ``lca-ml setup-brightway`` on each
worker host took 33 to 43 s at every ``make cluster``, even when nothing but one process
was missing. Each now leaves a stamp, ``stamps/<step>.json``, holding the key it ran for,
and runs again only when the key differs:

- airflow-init: the metadata database's identity (PostgreSQL's system identifier and the
  ``airflow`` database's oid, both new after an initdb or a dropped database), the
  versions of every installed ``apache-airflow*`` distribution (providers bring their own
  migrations), and digests of the init script, the pools file, the settings file and the
  admin credentials;
- Brightway: the versions of lca-ml and Brightway, digests of the studies (they name the
  impact methods) and of the reference data, and the identity of the host's Brightway
  folder (a deleted folder is a new one). A stale stamp costs little here: the tasks that
  need the project create whatever of it is missing themselves (``ensure_project``).

A step that fails leaves no stamp, so the next ``make cluster`` runs it again. Deleting
``stamps/`` forces every step.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import cluster_supervisor as supervisor
from cluster_airflow import SETTINGS_FILE, process_env
from cluster_layout import CONTROL_HOST, REPO, VENV_BIN, WORKERS, Layout

INIT_SCRIPT = REPO / "scripts" / "cluster" / "airflow-init.sh"
POOLS_FILE = REPO / "deploy" / "pools.json"


def versions(*prefixes: str) -> dict[str, str]:
    """Installed distributions whose normalised name starts with one of ``prefixes``, with their versions."""
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith(prefixes):
            found[name] = dist.version
    return dict(sorted(found.items()))


def digest(*paths: Path) -> str:
    """SHA-256 over the files (folders: every file below them, by relative name), so a rename counts too."""
    sha = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            sha.update(str(file.relative_to(path) if path.is_dir() else file.name).encode() + b"\0")
            sha.update(file.read_bytes() if file.exists() else b"(missing)")
            sha.update(b"\0")
    return sha.hexdigest()


def folder_identity(path: Path) -> str:
    """Device and inode of a folder: a folder deleted and made again is a different one."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{stat.st_dev}:{stat.st_ino}"


def once(layout: Layout, step: str, key: dict[str, object], action: Callable[[], None]) -> bool:
    """Run ``action`` unless ``stamps/<step>.json`` holds ``key``; record ``key`` once it succeeded.

    Returns whether it ran. Says which parts of the key changed, so a surprise re-run explains itself.
    """
    path = layout.stamps / f"{step}.json"
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = None
    if previous == key:
        print(f"  {step}: done before for the same {', '.join(key)}; skipped")
        return False
    changed = [part for part in key if not isinstance(previous, dict) or previous.get(part) != key[part]]
    print(f"  {step}: running ({'first time' if previous is None else 'changed: ' + ', '.join(changed)})")
    action()
    layout.stamps.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(key, indent=2, sort_keys=True) + "\n")
    temporary.replace(path)
    return True


def airflow_init_key(database: str, secret: dict[str, str]) -> dict[str, object]:
    admin = f"{secret['admin_user']}\0{secret['admin_password']}".encode()
    return {
        "database": database,
        "packages": versions("apache-airflow"),
        "init script": digest(INIT_SCRIPT),
        "pools": digest(POOLS_FILE),
        "settings": digest(SETTINGS_FILE),
        "admin": hashlib.sha256(admin).hexdigest(),
    }


def brightway_key(env: dict[str, str]) -> dict[str, object]:
    return {
        "packages": versions("lca-ml", "bw2", "bw-"),
        "studies": digest(Path(env["LCA_STUDIES_DIR"])),
        "reference data": digest(Path(env["LCA_INCLUDE_DIR"]) / "data"),
        "brightway folder": folder_identity(Path(env["BRIGHTWAY2_DIR"])),
    }


def airflow_init(layout: Layout, secret: dict[str, str], settings: dict[str, str], database: str) -> None:
    """scripts/cluster/airflow-init.sh, as compose's airflow-init service runs it."""
    env = process_env(layout, secret, CONTROL_HOST, settings)
    env.update(
        {"_AIRFLOW_WWW_USER_USERNAME": secret["admin_user"], "_AIRFLOW_WWW_USER_PASSWORD": secret["admin_password"]}
    )

    def action() -> None:
        out = supervisor.run(["bash", str(INIT_SCRIPT)], env=env, what="airflow-init", cwd=layout.host(CONTROL_HOST))
        print("    " + "\n    ".join(out.splitlines()[-3:]))

    once(layout, "airflow-init", airflow_init_key(database, secret), action)


def setup_brightway(layout: Layout, secret: dict[str, str], settings: dict[str, str]) -> None:
    """``lca-ml setup-brightway`` on each worker host, in the host's own Brightway folder."""
    for host in WORKERS:
        env = process_env(layout, secret, host, settings)

        def action(host: str = host, env: dict[str, str] = env) -> None:
            out = supervisor.run(
                [str(VENV_BIN / "lca-ml"), "setup-brightway"],
                env=env,
                what=f"lca-ml setup-brightway on {host}",
                cwd=layout.host(host),
            )
            print(f"    {host}: {out.strip().splitlines()[-1]}")

        # The key is taken before the step: it creates the Brightway folder the key identifies.
        os.makedirs(env["BRIGHTWAY2_DIR"], exist_ok=True)
        once(layout, f"brightway-{host}", brightway_key(env), action)
