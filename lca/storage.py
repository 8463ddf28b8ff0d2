"""The artefact store: one root URL that every host of a deployment reads and writes.

A run's tasks may each land on a different worker, each with its own disk, so
no task may hand another a path on its own disk. Everything a task passes on
goes to the store, under a *key*: a path relative to the root, such as
``runs/digits/<run>/models/baseline.json``. Keys are what XCom carries and what
JSON records hold; a task fetches the files it needs into its host's scratch
folder (:func:`lca.settings.cache_dir`), works on local files, and stores its
outputs back.

The root is ``LCA_ARTIFACT_ROOT`` (:func:`lca.settings.artifact_root_url`),
opened with universal-pathlib (fsspec): ``file://`` works out of the box, ``s3://``
with ``s3fs``, ``gs://`` with ``gcsfs``, and credentials come from the library's own
sources (environment variables, instance roles, config files). A root that names an
Airflow connection, ``s3://<conn_id>@bucket/lca``, is opened as Airflow's
``ObjectStoragePath`` instead, so that the connection holds the credentials (this
needs Airflow and the provider of that protocol on the host; nothing of Airflow is
imported otherwise). A ``file://`` root is handled as a plain local path, so that
renames are the operating system's atomic ``os.replace``/``rename``; it must be
absolute and on this machine (``file:///...``), since a relative one would resolve
against each process's working directory, which differs between the api-server and
the workers.

Writes are atomic, so a retried or orphaned attempt never leaves a half-written
file that another task reads: on a filesystem a file is written under a
dot-named temporary key in the same folder, then renamed over the final one; on
an object store (S3, GCS, Azure) a single put is atomic per object. Dot-named
keys are never listed or served.

Imports nothing heavy at module level: the Airflow UI plugin imports this module
in every Airflow component. universal-pathlib is imported on first use.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from lca.errors import DeterministicError, StoredArtefactError
from lca.settings import artifact_root_url, cache_dir

RUNS = "runs"
REPORTS = "reports"
# Object stores write a key in one request that either happens whole or not at all.
_ATOMIC_PUT_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "memory"})


class StoreError(DeterministicError):
    """A bad key, or a key missing from the artefact store: a retry of the same task finds the same."""


# What to install for a protocol's filesystem: (with fsspec alone, with an Airflow connection).
_PACKAGES = {
    "s3": ("s3fs", "apache-airflow-providers-amazon[s3fs]"),
    "s3a": ("s3fs", "apache-airflow-providers-amazon[s3fs]"),
    "gs": ("gcsfs", "apache-airflow-providers-google"),
    "gcs": ("gcsfs", "apache-airflow-providers-google"),
    "az": ("adlfs", "apache-airflow-providers-microsoft-azure"),
    "abfs": ("adlfs", "apache-airflow-providers-microsoft-azure"),
    "abfss": ("adlfs", "apache-airflow-providers-microsoft-azure"),
    "http": ("aiohttp", "apache-airflow-providers-http"),
    "https": ("aiohttp", "apache-airflow-providers-http"),
}


def store_root(url: str | None = None) -> Any:
    """The root as a path object: a local ``pathlib`` path for ``file://``, else a ``upath.UPath``
    (an ``ObjectStoragePath`` when the URL names an Airflow connection). StoreError for a root
    no host could share: relative, on another host, or of a protocol whose library is missing."""
    from upath import UPath

    name = "the artefact root" if url else "LCA_ARTIFACT_ROOT"
    url = url or artifact_root_url()
    parts = urlsplit(url)
    protocol = parts.scheme.lower()
    if protocol in ("", "file", "local"):
        return UPath(_local_root(name, url, parts))  # PosixUPath: a pathlib.Path
    if "@" in parts.netloc:
        return _connection_root(name, url, protocol)
    from fsspec.registry import get_filesystem_class

    try:
        get_filesystem_class(protocol)
    except ImportError as exc:
        package = _PACKAGES.get(protocol, ("the package it names",))[0]
        raise StoreError(
            f"{name}={url!r}: the {protocol}:// filesystem needs {package}, which is not installed here; "
            f"install it on every host (pip install {package}). fsspec says: {exc}"
        ) from None
    except ValueError:
        raise StoreError(
            f"{name}={url!r}: no filesystem library knows the protocol {protocol!r} "
            "(expected file:///..., s3://..., gs://... or another fsspec protocol)"
        ) from None
    return UPath(url)


def _local_root(name: str, url: str, parts) -> Path:
    if parts.scheme and parts.netloc not in ("", "localhost"):
        raise StoreError(
            f"{name}={url!r} names the host {parts.netloc!r}: a file:// root is a folder on this machine, "
            "written file:///path (three slashes); mount a shared folder at the same path on every host, "
            "or use an object store (s3://, gs://)"
        )
    path = Path(unquote(parts.path) if parts.scheme else url)
    if not path.is_absolute():
        raise StoreError(
            f"{name}={url!r} is a relative path, which each process would resolve against its own working "
            "directory (the api-server's and the workers' differ); give an absolute one, such as "
            "file:///mnt/shared/lca"
        )
    return path


def _connection_root(name: str, url: str, protocol: str) -> Any:
    """Airflow's ObjectStoragePath, whose filesystem takes its credentials from the connection in the URL."""
    conn_id = urlsplit(url).netloc.rpartition("@")[0]
    try:
        from airflow.sdk import ObjectStoragePath
    except ImportError:
        raise StoreError(
            f"{name}={url!r} names the Airflow connection {conn_id!r}, but Airflow is not installed here; "
            "install it, or drop the connection from the URL to use the filesystem library's own credentials"
        ) from None
    root = ObjectStoragePath(url)
    try:
        root.fs  # noqa: B018 - resolves the connection and the provider's filesystem now, not in a task
    except (ImportError, ValueError) as exc:
        package = _PACKAGES.get(protocol, ("", f"the Airflow provider for {protocol}://"))[1]
        raise StoreError(
            f"{name}={url!r}: no Airflow filesystem for {protocol}:// with connection {conn_id!r}; "
            f"install {package} on every host ({exc})"
        ) from None
    except Exception as exc:  # the connection itself: not defined, or refused by a secrets backend
        raise StoreError(f"{name}={url!r}: the Airflow connection {conn_id!r} cannot be used: {exc}") from None
    return root


def runs_dir() -> Any:
    """Intermediate artefacts of each run (datasets, models, energy records), in the artefact store."""
    return store_root() / RUNS


def reports_dir() -> Any:
    """Final reports, in the artefact store; ``reports/<study>/<run id>/`` is written once per run."""
    return store_root() / REPORTS


def is_local(path: Any) -> bool:
    return isinstance(path, Path)


def check_key(key: str) -> str:
    """``key`` if it is a relative, forward-slash path inside the root; StoreError otherwise.

    Absolute paths, URLs, ``..`` and ``.`` segments, backslashes and NUL bytes are
    refused: a key that named a host path would tie the run to that host again.
    """
    if not isinstance(key, str) or not key or "\x00" in key or "\\" in key or "://" in key:
        raise StoreError(f"not a key of the artefact store: {key!r} (expected a relative path such as 'runs/...')")
    pure = PurePosixPath(key)
    if pure.is_absolute() or any(part in ("..", ".") for part in key.split("/")) or key.endswith("/"):
        raise StoreError(
            f"not a key of the artefact store: {key!r} (a path relative to {artifact_root_url()}, "
            "without '..', such as 'runs/<study>/<run>/models/baseline.json')"
        )
    return str(pure)


def join(*parts: str) -> str:
    return check_key("/".join(p.strip("/") for p in parts if p))


class ArtifactStore:
    """Keys in, local files out: the only way stages read and write what other tasks see."""

    def __init__(self, root: Any = None) -> None:
        self.root = store_root() if root is None else root

    @property
    def url(self) -> str:
        return self.root.as_uri() if is_local(self.root) else str(self.root)

    def path(self, key: str) -> Any:
        """The store's own path object for ``key`` (for listing and reading, never for writing in place)."""
        return self.root.joinpath(*check_key(key).split("/"))

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def is_file(self, key: str) -> bool:
        return self.path(key).is_file()

    # --- writing -------------------------------------------------------------

    def put(self, local: Path, key: str) -> str:
        """Store the local file ``local`` under ``key``, atomically; return ``key``.

        Putting the same key again (a retry) replaces it whole; readers see
        either the old file or the new one, never a mixture.
        """
        local = Path(local)
        if not local.is_file():
            raise StoreError(f"{local}: nothing to store under {key!r} (the file is missing)")
        target = self.path(key)
        if is_local(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
            try:
                shutil.copyfile(local, tmp)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            return key
        fs = target.fs
        if target.protocol in _ATOMIC_PUT_PROTOCOLS:
            fs.put_file(str(local), target.path)
        else:  # a remote filesystem (sftp, webdav...): write aside, then move
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
            fs.makedirs(target.parent.path, exist_ok=True)
            fs.put_file(str(local), tmp.path)
            fs.mv(tmp.path, target.path)
        return key

    def put_text(self, key: str, text: str, scratch: Path) -> str:
        """Store ``text`` under ``key`` (written to a file in ``scratch`` first)."""
        scratch.mkdir(parents=True, exist_ok=True)
        local = scratch / f".text-{uuid.uuid4().hex[:12]}"
        try:
            local.write_text(text, encoding="utf-8")
            return self.put(local, key)
        finally:
            local.unlink(missing_ok=True)

    def remove_tree(self, key: str) -> None:
        """Delete ``key`` and everything under it (a partial report), if present."""
        target = self.path(key)
        if is_local(target):
            if target.is_dir():
                # Renamed away first, so no reader sees a folder half deleted.
                trash = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.trash")
                os.rename(target, trash)
                shutil.rmtree(trash, ignore_errors=True)
            elif target.exists():
                target.unlink()
            return
        if target.exists():
            target.fs.rm(target.path, recursive=True)

    def publish_folder(self, local: Path, key: str, *, last: Iterable[str] = ()) -> Any:
        """Store the local folder ``local`` as the folder ``key``, which must not exist; return its path.

        On a filesystem the folder is copied into a dot-named sibling and renamed
        into place in one step, so readers see all of it or nothing; the rename
        refuses a non-empty folder that appeared meanwhile (FileExistsError). An
        object store has no folders to rename: the files are put one by one,
        those named in ``last`` at the end in that order, so a reader that waits
        for the last one sees a complete folder.
        """
        target = self.path(key)
        if is_local(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
            try:
                shutil.copytree(local, staging)
                try:
                    os.rename(staging, target)
                except OSError as exc:
                    # rename(2) replaces an *empty* directory silently; a non-empty one fails here.
                    raise FileExistsError(f"{target}: written by another process meanwhile") from exc
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            return target
        files = sorted(p for p in Path(local).rglob("*") if p.is_file())
        order = {name: i for i, name in enumerate(last)}
        files.sort(key=lambda p: order.get(p.relative_to(local).as_posix(), -1))
        for file in files:
            self.put(file, join(key, file.relative_to(local).as_posix()))
        return target

    # --- reading -------------------------------------------------------------

    def get(self, key: str, dest: Path) -> Path:
        """Copy ``key`` to the local file ``dest`` (atomically: concurrent fetches on a host are safe)."""
        source = self.path(key)
        if not source.is_file():
            raise StoreError(
                f"{key!r} is not in the artefact store {self.url}: the task that writes it has not run, "
                "or ran against another LCA_ARTIFACT_ROOT"
            )
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            if is_local(source):
                shutil.copyfile(source, tmp)
            else:
                source.fs.get_file(source.path, str(tmp))
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return dest

    def list_files(self, key: str, suffix: str = "") -> list[str]:
        """Keys of the files directly in the folder ``key`` ending in ``suffix``, sorted; [] if there is none.

        Dot-named files (another writer's temporary ones) are left out.
        """
        try:
            children = list(self.path(key).iterdir())
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(
            join(key, c.name)
            for c in children
            if not c.name.startswith(".") and c.name.endswith(suffix) and c.is_file()
        )

    def read_text(self, key: str) -> str:
        """The text of ``key``; StoredArtefactError when it is not UTF-8 (a corrupt copy)."""
        if not self.is_file(key):
            raise StoreError(f"{key!r} is not in the artefact store {self.url}")
        try:
            return self.path(key).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise StoredArtefactError(key, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    def read_json(self, key: str) -> Any:
        """The JSON value stored under ``key``; StoredArtefactError naming the key when it does not parse."""
        return decode_json(self.read_text(key), key)

    def key_of(self, path: Any) -> str:
        """The key of a path under the root (the inverse of :meth:`path`)."""
        root = str(self.root).rstrip("/")
        text = str(path)
        if not text.startswith(root + "/"):
            raise StoreError(f"{path} is not under the artefact store {self.url}")
        return check_key(text[len(root) + 1 :])


def decode_json(text: str, key: str) -> Any:
    """``text`` parsed as JSON; a truncated or corrupt file fails with its store key, not a JSONDecodeError."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoredArtefactError(key, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None


# --- this host's scratch space ------------------------------------------------


def new_scratch(label: str) -> Path:
    """A fresh folder under this host's cache for one task attempt; the caller removes it.

    Its name carries the host name and process id, so that a folder left by a
    killed process is removed by the next attempt on the same host, and never
    by a process on another host sharing the disk (containers on one volume).
    """
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    remove_orphaned_scratch(root)
    return Path(tempfile.mkdtemp(prefix=f"{label}~{socket.gethostname()}~{os.getpid()}~", dir=root))


def remove_orphaned_scratch(root: Path) -> list[Path]:
    """Remove scratch folders of this host whose process has ended; return them."""
    removed = []
    host = socket.gethostname()
    for folder in root.iterdir():
        parts = folder.name.split("~")
        if len(parts) != 4 or parts[1] != host or not parts[2].isdigit() or not folder.is_dir():
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except PermissionError:  # alive, another user's
            pass
    return removed
