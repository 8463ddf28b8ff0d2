"""The task's GPUs as NVML numbers them, checked against a fake NVML (no GPU on the test machines)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lca.energy import gpus


class FakeNvml:
    """NVML's device functions over a list of (uuid, name, energy_mj, pids), in PCI order."""

    def __init__(self, devices):
        self.devices = devices

    def nvmlDeviceGetCount(self):
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, i):
        return i

    def nvmlDeviceGetUUID(self, h):
        return self.devices[h][0].encode()  # older pynvml returns bytes

    def nvmlDeviceGetName(self, h):
        return self.devices[h][1]

    def nvmlDeviceGetTotalEnergyConsumption(self, h):
        return self.devices[h][2]

    def nvmlDeviceGetComputeRunningProcesses(self, h):
        return [SimpleNamespace(pid=p) for p in self.devices[h][3]]


A100 = "NVIDIA A100-SXM4-80GB"
FOUR = FakeNvml(
    [
        ("GPU-aaaa1111-0000", A100, 1000, []),
        ("GPU-bbbb2222-0000", A100, 2000, [77]),
        ("GPU-cccc3333-0000", A100, 3000, [42]),
        ("GPU-dddd4444-0000", A100, 4000, []),
    ]
)


def _uuids(found):
    return [g.uuid for g in found]


def test_unset_means_every_gpu_and_empty_means_none():
    assert len(gpus.task_gpus(FOUR, {})) == 4
    assert gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": ""}) == []


def test_indices_map_to_physical_devices_in_cuda_order():
    found = gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "2,0"})
    assert _uuids(found) == ["GPU-cccc3333-0000", "GPU-aaaa1111-0000"]
    assert [g.nvml_index for g in found] == [2, 0]


def test_uuids_and_unique_prefixes_map_to_their_device():
    assert _uuids(gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "GPU-dddd,bbbb2222"})) == [
        "GPU-dddd4444-0000",
        "GPU-bbbb2222-0000",
    ]


def test_the_list_stops_at_the_first_entry_cuda_cannot_use():
    assert _uuids(gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "1,9,2"})) == ["GPU-bbbb2222-0000"]


def test_an_index_among_different_models_needs_pci_order_or_a_uuid():
    mixed = FakeNvml([("GPU-a", "NVIDIA T4", 1, []), ("GPU-b", A100, 2, [])])
    with pytest.raises(gpus.GpuMappingError, match="CUDA_DEVICE_ORDER=PCI_BUS_ID"):
        gpus.task_gpus(mixed, {"CUDA_VISIBLE_DEVICES": "1"})
    env = {"CUDA_VISIBLE_DEVICES": "1", "CUDA_DEVICE_ORDER": "PCI_BUS_ID"}
    assert _uuids(gpus.task_gpus(mixed, env)) == ["GPU-b"]


def test_mig_instances_and_repeated_or_ambiguous_entries_are_refused():
    with pytest.raises(gpus.GpuMappingError, match="MIG"):
        gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "MIG-1234"})
    with pytest.raises(gpus.GpuMappingError, match="twice"):
        gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "0,GPU-aaaa"})
    with pytest.raises(gpus.GpuMappingError, match="matches 4 GPUs"):
        gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "GPU-"})


def test_energy_is_read_from_exactly_the_task_gpus():
    found = gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "3"})
    assert gpus.energy_mj(FOUR, found) == {"GPU-dddd4444-0000": 4000}


def test_foreign_processes_on_the_task_gpus_are_named():
    found = gpus.task_gpus(FOUR, {"CUDA_VISIBLE_DEVICES": "1,2"})
    assert gpus.foreign_processes(FOUR, found, own_pids={42}) == {
        "GPU-bbbb2222-0000": [77],
        "GPU-cccc3333-0000": [],
    }


def test_a_window_reads_the_one_gpu_torch_runs_on_not_every_visible_board():
    every = gpus.task_gpus(FOUR, {})
    assert _uuids(gpus.for_device(every, "cuda", {})) == ["GPU-aaaa1111-0000"]  # not all four boards
    assert _uuids(gpus.for_device(every, "cuda:2", {})) == ["GPU-cccc3333-0000"]
    env = {"CUDA_VISIBLE_DEVICES": "3,1"}
    visible = gpus.task_gpus(FOUR, env)
    assert _uuids(gpus.for_device(visible, "cuda", env)) == ["GPU-dddd4444-0000"]  # CUDA's device 0 is NVML's 3
    assert _uuids(gpus.for_device(visible, "cuda:1", env)) == ["GPU-bbbb2222-0000"]
    with pytest.raises(gpus.GpuMappingError, match=r"sees 2 GPU\(s\).*'3,1'.*no CUDA device 2"):
        gpus.for_device(visible, "cuda:2", env)


def test_an_unset_list_of_different_models_needs_pci_order_to_name_the_gpu():
    mixed = FakeNvml([("GPU-a", "NVIDIA T4", 1, []), ("GPU-b", A100, 2, [])])
    with pytest.raises(gpus.GpuMappingError, match="CUDA_DEVICE_ORDER=PCI_BUS_ID"):
        gpus.for_device(gpus.task_gpus(mixed, {}), "cuda", {})
    pci = {"CUDA_DEVICE_ORDER": "PCI_BUS_ID"}
    assert _uuids(gpus.for_device(gpus.task_gpus(mixed, pci), "cuda:1", pci)) == ["GPU-b"]
