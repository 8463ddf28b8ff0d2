"""The cited power model: a CPU matched by name gets its spec sheet's TDP per thread, an unknown one a wide default."""

from __future__ import annotations

import math

import pytest

from lca.energy.host import describe
from lca.energy.power_model import combined_gsd, cpu_w_per_thread, geometric_spread, load_table, ram_w_per_gb


def test_a_listed_cpu_is_matched_by_its_model_number_inside_the_kernel_name():
    figure = cpu_w_per_thread("AMD EPYC 7763 64-Core Processor")
    assert figure.match == "model"
    assert figure.value == pytest.approx(280 / 128)
    assert "AMD EPYC 7763" in figure.source and "TDP 280 W / 128 threads" in figure.source
    xeon = cpu_w_per_thread("Intel(R) Xeon(R) Platinum 8275CL CPU @ 3.00GHz")
    assert xeon.match == "model" and xeon.value == pytest.approx(240 / 48)


def test_a_cpu_known_only_by_family_gets_the_family_mean_with_a_wider_spread():
    family = cpu_w_per_thread("AMD EPYC")
    known = cpu_w_per_thread("AMD EPYC 7763 64-Core Processor")
    assert family.match == "family" and family.gsd > known.gsd
    epyc = [c.w_per_thread for c in load_table()["cpus"] if c.family == "AMD EPYC"]
    mean, spread = geometric_spread(epyc)
    assert family.value == pytest.approx(mean)
    assert min(epyc) < family.value < max(epyc)
    # the stated family spread covers the listed models' spread combined with the method's gap
    assert family.gsd >= combined_gsd(spread, known.gsd) - 0.06


def test_a_cpu_of_no_listed_family_gets_the_widest_spread():
    figure = cpu_w_per_thread("Some RISC-V Board")
    assert figure.match == "unknown" and figure.gsd > cpu_w_per_thread("AMD EPYC").gsd
    assert math.isfinite(figure.value) and figure.value > 0


def test_ram_is_charged_per_gb_with_a_source():
    ram = ram_w_per_gb()
    assert ram.value == pytest.approx(0.3725) and "Green Algorithms" in ram.source and ram.gsd > 1


def test_the_host_says_whether_it_is_a_virtual_machine(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 hypervisor avx2\n")
    vm = describe(cpuinfo, tmp_path / "none", detect_virt=None)
    assert vm.cpu_model == "AMD EPYC" and vm.virtual is True and "hypervisor flag set" in vm.evidence
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\nflags\t\t: fpu sse2 avx2\n")
    product = tmp_path / "product_name"
    product.write_text("PowerEdge R7525\n")
    metal = describe(cpuinfo, product, detect_virt="none")
    assert metal.virtual is False and "PowerEdge" in metal.evidence
    container = describe(cpuinfo, product, detect_virt="docker")
    assert container.virtual is False  # a container says nothing of a hypervisor below it


def test_a_small_vm_charged_as_a_large_share_of_a_big_server_is_named_with_the_implied_share():
    from lca.energy.host import server_mismatch

    warning = server_mismatch(2, True, "server_2s_r740", 96, 0.1)
    assert "a VM with 2 logical CPU(s)" in warning and "2/96 = 0.0208" in warning and "4.8x" in warning
    assert server_mismatch(8, False, "server_2s_r740", 96, 0.1) is None  # 8/96 = 0.083: close enough
    assert "bare metal" in server_mismatch(96, False, "server_2s_r740", 96, 0.1)
