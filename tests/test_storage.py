"""The artefact store: relative keys, atomic puts, and two hosts that share nothing but the root."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from lca import storage
from lca.storage import ArtifactStore, StoreError, check_key, store_root

KEY = "runs/digits/manual__1/models/baseline.json"


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    shared = tmp_path / "shared"
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", shared.as_uri())
    return shared


def _local(tmp_path: Path, text: str, name: str = "out.json") -> Path:
    path = tmp_path / "work" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


def test_the_root_defaults_to_lca_home_and_a_file_url_is_a_local_path(tmp_path, monkeypatch):
    monkeypatch.delenv("LCA_ARTIFACT_ROOT", raising=False)
    monkeypatch.setenv("LCA_HOME", str(tmp_path / "home"))
    assert store_root() == tmp_path / "home"
    assert isinstance(store_root(), Path)
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", (tmp_path / "shared").as_uri())
    assert store_root() == tmp_path / "shared"
    assert not isinstance(store_root("memory://lca-test"), Path)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "runs/../../etc/passwd",
        "runs/./x",
        "file:///tmp/x",
        "s3://bucket/x",
        "runs\\x",
        "runs/x/",
        "runs/x\x00",
    ],
)
def test_only_relative_keys_inside_the_root_are_accepted(key):
    with pytest.raises(StoreError):
        check_key(key)


def test_a_put_file_comes_back_from_its_relative_key(root, tmp_path):
    store = ArtifactStore()

    assert store.put(_local(tmp_path, '{"a": 1}'), KEY) == KEY

    assert (root / KEY).read_text() == '{"a": 1}'
    fetched = store.get(KEY, tmp_path / "cache" / "baseline.json")
    assert fetched.read_text() == '{"a": 1}'
    assert _debris(root) == [] and _debris(tmp_path / "cache") == []


def test_a_retried_put_replaces_the_file_whole(root, tmp_path):
    store = ArtifactStore()
    store.put(_local(tmp_path, "first attempt"), KEY)

    store.put(_local(tmp_path, "second attempt, longer than the first"), KEY)

    assert (root / KEY).read_text() == "second attempt, longer than the first"
    assert _debris(root) == []


def test_a_put_that_dies_halfway_leaves_the_previous_file_and_no_debris(root, tmp_path, monkeypatch):
    store = ArtifactStore()
    store.put(_local(tmp_path, "complete"), KEY)

    def dies_halfway(src, dst, *args, **kwargs):
        Path(dst).write_text("compl")  # half of the bytes reached the disk
        raise OSError("worker killed")

    monkeypatch.setattr(storage.shutil, "copyfile", dies_halfway)
    with pytest.raises(OSError, match="worker killed"):
        store.put(_local(tmp_path, "a new version"), KEY)

    assert (root / KEY).read_text() == "complete"
    assert _debris(root) == []


def test_a_missing_key_names_the_key_and_the_root(root, tmp_path):
    with pytest.raises(StoreError, match="runs/digits/manual__1/models/baseline.json.*not in the artefact store"):
        ArtifactStore().get(KEY, tmp_path / "x")


def test_two_hosts_with_their_own_lca_home_share_only_the_root(root, tmp_path, monkeypatch):
    """Host 1 stores a file; host 2 fetches it into its own cache, without ever reading host 1's disk."""
    from lca.settings import cache_dir

    hosts = {name: tmp_path / "hosts" / name for name in ("worker1", "worker2")}
    monkeypatch.setenv("LCA_HOME", str(hosts["worker1"]))
    written = cache_dir() / "model.pt"
    written.parent.mkdir(parents=True)
    written.write_bytes(b"\x00weights" * 1000)
    ArtifactStore().put(written, "runs/digits/r/models/baseline.pt")
    shutil.rmtree(hosts["worker1"])  # the other host's disk is gone: nothing may depend on it

    monkeypatch.setenv("LCA_HOME", str(hosts["worker2"]))
    fetched = ArtifactStore().get("runs/digits/r/models/baseline.pt", cache_dir() / "baseline.pt")

    assert fetched.is_relative_to(hosts["worker2"])
    assert fetched.read_bytes() == b"\x00weights" * 1000


def test_a_folder_is_published_in_one_rename_and_never_over_another(root, tmp_path):
    store = ArtifactStore()
    local = tmp_path / "built"
    (local / "sub").mkdir(parents=True)
    (local / "report.html").write_text("report")
    (local / "sub" / "chart.png").write_bytes(b"png")

    published = store.publish_folder(local, "reports/digits/r1")

    assert (published / "report.html").read_text() == "report" and (published / "sub" / "chart.png").is_file()
    (local / "report.html").write_text("another attempt")
    with pytest.raises(FileExistsError):
        store.publish_folder(local, "reports/digits/r1")
    assert (published / "report.html").read_text() == "report"
    assert [p.name for p in (root / "reports" / "digits").iterdir()] == ["r1"]  # no staging folder left


def test_an_object_store_gets_the_same_keys_and_the_named_files_last(tmp_path, monkeypatch):
    """fsspec's in-memory filesystem stands in for S3/GCS: no folders, no rename, one put per object."""
    url = f"memory://lca-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", url)
    store = ArtifactStore()
    store.put(_local(tmp_path, "v1"), KEY)
    store.put(_local(tmp_path, "v2"), KEY)
    assert store.read_text(KEY) == "v2"
    assert store.get(KEY, tmp_path / "cache" / "b.json").read_text() == "v2"
    assert store.key_of(store.path(KEY)) == KEY

    local = tmp_path / "built"
    local.mkdir()
    for name in ("report.html", "a.csv", "manifest.json", "z.png"):
        (local / name).write_text(name)
    order = []
    real_put = store.put
    store.put = lambda path, key: order.append(key.rsplit("/", 1)[1]) or real_put(path, key)
    store.publish_folder(local, "reports/digits/r1", last=("manifest.json", "report.html"))

    assert order[-2:] == ["manifest.json", "report.html"] and sorted(order) == sorted(p.name for p in local.iterdir())
    store.remove_tree("reports/digits/r1")
    assert not store.exists("reports/digits/r1/report.html")


@pytest.mark.parametrize(
    "url, package",
    [("s3://bucket/lca", "s3fs"), ("gs://bucket/lca", "gcsfs"), ("http://files.example.org/lca", "aiohttp")],
)
def test_a_root_whose_filesystem_library_is_missing_names_the_variable_and_the_package(monkeypatch, url, package):
    if __import__("importlib").util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed here")
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", url)
    with pytest.raises(StoreError) as caught:
        ArtifactStore()
    assert f"LCA_ARTIFACT_ROOT={url!r}" in str(caught.value)
    assert f"pip install {package}" in str(caught.value)


@pytest.mark.parametrize("url", ["shared/lca", "./lca", "file:lca", "file://fileserver/srv/lca", "file://10.0.0.5/lca"])
def test_a_root_that_would_differ_between_hosts_or_processes_is_refused(monkeypatch, tmp_path, url):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", url)
    with pytest.raises(StoreError, match=f"LCA_ARTIFACT_ROOT={url!r} (is a relative path|names the host)"):
        storage.runs_dir()
    assert list(tmp_path.iterdir()) == []  # nothing created beside the working directory


def test_a_local_root_may_name_localhost_and_escape_characters(monkeypatch, tmp_path):
    folder = tmp_path / "shared lca"
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", "file://localhost" + folder.as_uri().removeprefix("file://"))
    assert store_root() == folder
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", str(folder))  # a plain absolute path is a file:// root too
    assert storage.reports_dir() == folder / "reports"


def test_an_unknown_protocol_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", "nosuchfs://bucket/lca")
    with pytest.raises(StoreError, match="LCA_ARTIFACT_ROOT='nosuchfs://bucket/lca': no filesystem library"):
        store_root()


def test_a_root_naming_an_airflow_connection_is_opened_through_that_connection(tmp_path, monkeypatch):
    """``<protocol>://<conn_id>@...`` gives the credentials of an Airflow connection (ObjectStoragePath)."""
    pytest.importorskip("airflow.sdk")
    from airflow.sdk import ObjectStoragePath
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    conn_id = f"lca_store_{uuid.uuid4().hex[:8]}"
    attached = MemoryFileSystem()  # what the provider would build from the connection's credentials
    attach(protocol="memory", conn_id=conn_id, fs=attached)
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", f"memory://{conn_id}@bucket/lca")
    store = ArtifactStore()
    assert isinstance(store.root, ObjectStoragePath) and store.root.conn_id == conn_id
    store.put(_local(tmp_path, "v1"), KEY)
    assert store.path(KEY).fs is attached and store.read_text(KEY) == "v1"
    assert store.list_files("runs/digits/manual__1/models") == [KEY]
    assert store.key_of(store.path(KEY)) == KEY

    monkeypatch.setenv("LCA_ARTIFACT_ROOT", "s3://no_such_connection@bucket/lca")
    with pytest.raises(StoreError, match="LCA_ARTIFACT_ROOT='s3://no_such_connection@bucket/lca'"):
        store_root()


def test_scratch_left_by_a_killed_task_is_removed_on_its_host_only(tmp_path, monkeypatch):
    import socket
    import subprocess
    import sys

    from lca.storage import new_scratch

    monkeypatch.setenv("LCA_HOME", str(tmp_path / "home"))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(ended.stdout)
    cache = tmp_path / "home" / "var" / "cache"
    host = socket.gethostname()
    orphan = cache / f"train~{host}~{dead_pid}~abc"
    other_host = cache / f"train~another-host~{dead_pid}~abc"  # same disk, another machine's process
    alive = cache / f"train~{host}~{os.getpid()}~abc"
    for folder in (orphan, other_host, alive):
        (folder / "runs").mkdir(parents=True)

    mine = new_scratch("lcia")

    assert not orphan.exists()
    assert other_host.is_dir() and alive.is_dir() and mine.is_dir()
    assert mine.name.startswith(f"lcia~{host}~{os.getpid()}~")
