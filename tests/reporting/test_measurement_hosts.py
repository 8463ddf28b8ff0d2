"""The report says where each energy window was measured, how busy the host was, and whose idle power was used."""

from __future__ import annotations

from datetime import UTC, datetime

from lca.records import HostFacts, MeasurementWindow
from tests.records_factory import bench, energy
from tests.reporting.test_report import inventory, lcia, reports, study, write  # noqa: F401,F811  (fixtures)


def _facts(host: str) -> HostFacts:
    small = host == "worker2"
    return HostFacts(
        cpu_model="Test CPU",
        logical_cpus=2 if small else 64,
        virtual=small,
        evidence="test",
        cpu_power_source="include/data/cpu_power.yaml: Test CPU" if small else "RAPL counters",
    )


def _on(record, host: str, busy: float):
    window = MeasurementWindow(
        started_at=datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC),
        ended_at=datetime(2026, 12, 1, 8, 0, 35, tzinfo=UTC),
        lock="exclusive /tmp/lca-ml-host-lock/measure.lock",
        lock_wait_s=0.0,
        load_1min_start=0.4,
        load_1min_end=1.1,
        background_cpu_cores=busy,
        background_load_high=busy > 0.25,
    )
    return record.model_copy(update={"host": host, "window": window, "machine": _facts(host)})


def test_each_window_is_shown_with_its_host_load_and_the_host_of_its_idle_power(write):  # noqa: F811
    benchmarks = []
    for name, host, busy in [
        ("baseline", "worker1", 0.05),
        ("int8_dynamic", "worker2", 1.6),
        ("pruned_50", "worker1", 0.1),
    ]:
        b = bench(name, 1e-9)
        benchmarks.append(
            b.model_copy(
                update={
                    "energy": _on(b.energy, host, busy),
                    "idle_energy": _on(energy("idle", 1e-6), host, 0.0),
                }
            )
        )
    html = (
        write(benchmarks=benchmarks, training_energy=_on(energy("training", 0.01), "worker2", 0.0)) / "report.html"
    ).read_text()
    section = html[html.index("Where each window was measured") :]
    section = section[: section.index("</table>")]
    # windows with identical cells share a row that lists their stages
    rows = {
        stage: row for row in section.split("<tr>")[2:] for stage in row.split("</td>")[0].split("<td>")[-1].split(", ")
    }
    assert "worker2" in rows["training"] and "08:00:05–08:00:35" in rows["training"]
    assert "worker1" in rows["inference:baseline"] and "suspect" not in rows["inference:baseline"]
    assert "1.60" in rows["inference:int8_dynamic"] and "high: window suspect" in rows["inference:int8_dynamic"]
    # idle power column: the idle record's host, the same as the benchmark's
    assert rows["inference:int8_dynamic"].rstrip().rsplit("<td>", 1)[-1].startswith("worker2")
    assert "not recorded" in rows["compression:int8_dynamic"]  # a record without a host says so
    # what each host is: VM or bare metal, its logical CPUs, where its CPU power figure comes from
    assert "worker2: Test CPU (a VM, 2 logical CPUs; CPU power: include/data/cpu_power.yaml: Test CPU)" in html
    assert "worker1: Test CPU (bare metal, 64 logical CPUs; CPU power: RAPL counters)" in html
