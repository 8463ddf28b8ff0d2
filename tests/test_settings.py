"""The environment, read through one pydantic-settings model: fresh at each call, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from lca import settings
from lca.errors import SettingsError


def test_each_call_reads_the_environment_as_it_is_now(tmp_path, monkeypatch):
    monkeypatch.delenv("LCA_STUDIES_DIR", raising=False)
    monkeypatch.delenv("LCA_ARTIFACT_ROOT", raising=False)
    monkeypatch.delenv("BRIGHTWAY2_DIR", raising=False)  # set by the session's Brightway fixture
    monkeypatch.setenv("LCA_HOME", str(tmp_path / "a"))
    monkeypatch.setenv("LCA_INCLUDE_DIR", str(tmp_path / "inc"))
    assert settings.var_dir() == tmp_path / "a" / "var"
    assert settings.studies_dir() == tmp_path / "inc" / "studies"
    assert settings.artifact_root_url() == (tmp_path / "a").as_uri()
    monkeypatch.setenv("LCA_HOME", str(tmp_path / "b"))
    assert settings.brightway_dir() == tmp_path / "b" / "var" / "brightway"
    assert settings.artifact_root_url() == (tmp_path / "b").as_uri()


def test_an_empty_variable_counts_as_unset(monkeypatch):
    for name in ("LCA_ARTIFACT_ROOT", "LCA_FOREGROUND_KEEP", "LCA_BRIGHTWAY_PROJECT", "LCA_CLUSTER_HOST", "LCA_HOME"):
        monkeypatch.setenv(name, "  " if name == "LCA_CLUSTER_HOST" else "")
    assert settings.lca_home() == settings.REPO_ROOT
    assert settings.artifact_root_url() == settings.REPO_ROOT.as_uri()
    assert settings.foreground_keep() == settings.DEFAULT_FOREGROUND_KEEP
    assert settings.current_host()  # the host name, not "  "


def test_only_the_exact_variable_names_count(monkeypatch):
    monkeypatch.delenv("LCA_CLUSTER_HOST", raising=False)
    monkeypatch.setenv("lca_cluster_host", "lower-case")
    assert settings.current_host() != "lower-case"


@pytest.mark.parametrize("value", ["0", "-3", "many", "2.5"])
def test_a_bad_value_names_the_variable_the_value_and_what_was_expected(monkeypatch, value):
    monkeypatch.setenv("LCA_FOREGROUND_KEEP", value)
    with pytest.raises(SettingsError, match=f"LCA_FOREGROUND_KEEP={value!r}: expected a whole number") as caught:
        settings.foreground_keep()
    assert isinstance(caught.value, ValueError)  # deterministic: never worth a retry


def test_the_settings_model_lists_every_variable_the_product_reads():
    assert set(settings._VARIABLES) >= {
        "LCA_HOME",
        "LCA_ARTIFACT_ROOT",
        "LCA_INCLUDE_DIR",
        "LCA_STUDIES_DIR",
        "BRIGHTWAY2_DIR",
        "LCA_FOREGROUND_KEEP",
        "LCA_CLUSTER_HOST",
        "LCA_BRIGHTWAY_PROJECT",
        "LCA_HOST_LOCK_DIR",
        "AIRFLOW_HOME",
    }
    assert isinstance(settings.Settings().lca_home, Path)
