"""The measured host against the modelled server (issue 18, item 6).

Hand case: energy measured on a 2-vCPU VM, charged as a share of the 96-thread
``server_2s_r740``. The host's own share is 2 / 96 = 0.0208; a declared share of 0.1
charges 4.8 times the hardware measured, which the report ('In short' and Limitations) and
``lca-ml validate`` say, naming the implied share. ``server_share: from_host`` charges 2 / 96 itself.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lca.assessment.inventory import build_inventory
from lca.assessment.inventory.names import SERVER_RUNNING_HOUR, SERVER_SHARE_HOUR
from lca.energy.host import HostSigns
from lca.errors import StudyError
from lca.records import HostFacts, LciaResults
from lca.reporting.energy_section import energy_context
from lca.study.loading import load_study
from tests.conftest import DIGITS
from tests.records_factory import energy, idle_record, measured_bench, sampled
from tests.study_files import edited_copy

SERVER_THREADS = 96  # server_2s_r740 in include/data/hardware.yaml


def facts(logical_cpus: int, virtual: bool | None = True) -> HostFacts:
    return HostFacts(
        cpu_model="AMD EPYC 7B13",
        logical_cpus=logical_cpus,
        virtual=virtual,
        evidence="cpuinfo hypervisor flag set",
        cpu_power_source="include/data/cpu_power.yaml: AMD EPYC 7B13",
    )


def on_host(record, machine: HostFacts | None, host: str = "vm-small"):
    return record.model_copy(update={"machine": machine, "host": host})


def inventory(server_share, machine: HostFacts | None, allocation: str = "shared", big: HostFacts | None = None):
    study = load_study(DIGITS)
    study = study.model_copy(
        update={
            "deployment": study.deployment.model_copy(update={"allocation": allocation, "server_share": server_share})
        }
    )
    names = study.variant_names()
    idle = on_host(idle_record(), machine)
    benches = {}
    for n in names:
        b = measured_bench(n, 40.0, idle)
        benches[n] = b.model_copy(update={"energy": on_host(b.energy, machine)})
    training = on_host(sampled(energy("training", 60 * 40.0 / 3.6e6, duration_s=40.0)), machine)
    if big is not None:
        training = on_host(training, big, host="bare-big")
    compression = {
        n: on_host(sampled(energy(f"compression:{n}", 45 * 3 / 3.6e6, duration_s=3.0)), machine) for n in names[1:]
    }
    return build_inventory(study, "host-share", training=training, compression=compression, benchmarks=benches)


def share_charged(inv) -> float:
    (use,) = inv.provider(SERVER_SHARE_HOUR).uses
    assert use.input == SERVER_RUNNING_HOUR
    return use.amount


def test_from_host_charges_the_measured_hosts_vcpus_over_the_servers_threads_and_says_so():
    inv = inventory("from_host", facts(2))
    assert share_charged(inv) == pytest.approx(2 / SERVER_THREADS)  # 0.0208
    statement = inv.allocation_statement
    assert "share 0.0208" in statement
    assert "2 logical CPUs of the measured host 'vm-small' (a VM, AMD EPYC 7B13) / 96 threads of server_2s_r740" in (
        statement
    )
    assert not inv.host_warnings, "the host's own share does not disagree with itself"
    assert "deployment.server_share" not in {row.label for row in inv.dqi}, "not a reference figure"


def test_from_host_takes_the_largest_host_measured_and_names_every_size():
    inv = inventory("from_host", facts(2), big=facts(48, virtual=False))
    assert share_charged(inv) == pytest.approx(48 / SERVER_THREADS)
    assert "the largest of the hosts measured (bare-big: 48, vm-small: 2)" in inv.allocation_statement
    # the small VM is now charged as half the server: the report says so for that host
    (note,) = inv.host_warnings
    assert "'vm-small'" in note and "2/96 = 0.0208" in note and "24x" in note


def test_a_declared_share_far_from_the_measured_hosts_is_flagged_in_the_report_with_the_implied_share():
    inv = inventory("server_share_shared_service", facts(2))  # 0.1 of the server
    assert share_charged(inv) == pytest.approx(0.1)
    (note,) = inv.host_warnings
    assert "a VM with 2 logical CPU(s)" in note and "2/96 = 0.0208" in note and "4.8x" in note
    assert "set the share to about 0.0208" in note and "from_host" in note
    report = energy_context(
        inv, LciaResults(study="digits", run_id="r", brightway_project="-", foreground_database="-", scores=[]), [], []
    )
    assert note in report["energy_warnings"], "the report's 'In short' and Limitations list these warnings"
    close = inventory("server_share_shared_service", facts(8))  # 8/96 = 0.083: within a factor 2 of 0.1
    assert not close.host_warnings


def test_dedicated_on_a_small_vm_is_flagged_too():
    inv = inventory("server_share_shared_service", facts(2), allocation="dedicated")
    (note,) = inv.host_warnings
    assert "share of 1" in note and "48x" in note


def test_from_host_without_host_facts_in_the_records_is_refused_naming_the_field():
    with pytest.raises(StudyError, match=r"deployment.server_share.*'from_host'.*no energy record.*states its host"):
        inventory("from_host", None)


def test_the_study_file_accepts_from_host_and_refuses_it_for_a_server_without_threads(tmp_path):
    study = load_study(edited_copy(DIGITS, tmp_path, deployment__server_share="from_host"))
    assert study.deployment.server_share == "from_host"
    with pytest.raises(StudyError, match=r"deployment.server_share.*'from_host'.*'desktop_pro'.*no threads"):
        load_study(
            edited_copy(DIGITS, tmp_path, deployment__server_share="from_host", lca__hardware={"server": "desktop_pro"})
        )


def test_validate_warns_when_this_host_is_far_from_the_declared_share_and_names_the_implied_share(
    tmp_path, monkeypatch
):
    from lca import cli
    from lca.energy import host

    small_vm = HostSigns("AMD EPYC 7B13", 2, True, "test")
    monkeypatch.setattr(host, "this_host", lambda: small_vm)
    declared = edited_copy(
        DIGITS, tmp_path, name="hostshare_declared", deployment__server_share="server_share_shared_service"
    )
    result = CliRunner().invoke(cli.app, ["validate", str(declared)])
    assert result.exit_code == 0, result.output
    assert "a VM with 2 logical CPU(s)" in result.output and "2/96 = 0.0208" in result.output
    assert "from_host" in result.output
    from_host = edited_copy(DIGITS, tmp_path, name="hostshare_from_host", deployment__server_share="from_host")
    result = CliRunner().invoke(cli.app, ["validate", str(from_host)])
    assert result.exit_code == 0, result.output
    assert "logical CPU" not in result.output
