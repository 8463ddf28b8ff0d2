"""deployment.device decides where training, data and benchmarks go, and how energy is recorded.

On this CPU machine only the device query (``torch.cuda.is_available``) is mocked;
the CUDA tests at the end run for real on a machine with a GPU and skip here.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from lca.errors import StudyError
from lca.ml.benchmarking import benchmark_variant
from lca.ml.compression import compress
from lca.ml.compression.context import CompressionContext
from lca.ml.data import Split
from lca.ml.device import CPU_ONLY_REASON, select_device
from lca.ml.energy import track_energy
from lca.ml.models import MLP
from lca.ml.training import fit, model_device
from lca.study.compression import DynamicQuantization
from lca.study.machine_learning import BenchmarkSpec, TaskSpec, TrainingSpec
from lca.study.routing import RoutingSpec

HAS_CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(
    not HAS_CUDA, reason="needs a CUDA GPU and torch's CUDA build (this machine has neither)"
)
SPEC = BenchmarkSpec(
    energy_window_seconds=0.5,
    sampling_interval_seconds=0.05,
    batch_size=16,
    latency_batch_sizes=[1],
    warmup=1,
    latency_repeats=6,
)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 6)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def gpu_present(monkeypatch, present: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: present)


def test_cpu_is_honoured_even_when_a_gpu_is_present(monkeypatch):
    gpu_present(monkeypatch, True)
    assert select_device("cpu").type == "cpu"


def test_auto_falls_back_to_the_cpu_and_cuda_refuses_to_pretend(monkeypatch, data):
    gpu_present(monkeypatch, False)
    assert select_device("auto").type == "cpu"
    with pytest.raises(StudyError, match="deployment.device.*'cuda'.*sees no CUDA GPU"):
        select_device("cuda")
    x, y = data
    model = fit(MLP(6, [8], 2), x, y, epochs=1, batch_size=16, learning_rate=1e-2, seed=0, device=select_device("auto"))
    assert model_device(model).type == "cpu"


@pytest.mark.skipif(HAS_CUDA, reason="on a GPU machine the CUDA tests below train there for real")
def test_auto_with_a_gpu_present_sends_the_model_and_the_data_to_cuda(monkeypatch, data):
    gpu_present(monkeypatch, True)
    device = select_device("auto")
    assert device.type == "cuda"
    x, y = data
    # The CPU build of torch has no CUDA runtime: the move itself is what fails, which shows it is attempted.
    with pytest.raises((AssertionError, RuntimeError), match="CUDA"):
        fit(MLP(6, [8], 2), x, y, epochs=1, batch_size=16, learning_rate=1e-2, seed=0, device=device)


def test_the_energy_method_follows_the_device(monkeypatch, tmp_path):
    """A CUDA window reads the board counter of the task's GPU and holds the host alone; no NVML: the host part only."""
    from lca import host_lock
    from lca.energy import gpus
    from lca.ml import energy as energy_module
    from tests.energy.test_gpus import A100, FakeNvml

    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))
    with track_energy("no-nvml", "FRA", device="cuda", measure_power_secs=0.1) as m:
        time.sleep(0.3)
    assert m.record.method.startswith("cpu_power_model") and "NVML unavailable" in m.record.method_detail

    class Ticking(FakeNvml):  # the board's counter grows by 1 J per reading
        def nvmlDeviceGetTotalEnergyConsumption(self, h):
            self.devices[h] = (*self.devices[h][:2], self.devices[h][2] + 1000, self.devices[h][3])
            return self.devices[h][2]

    fake = Ticking([("GPU-aaaa", A100, 0, []), ("GPU-bbbb", A100, 0, [999])])
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    monkeypatch.setattr(energy_module, "_task_gpus", lambda: (fake, gpus.task_gpus(fake), ""))
    with track_energy("gpu", "FRA", device="cuda", measure_power_secs=0.1) as m:
        time.sleep(0.3)
    record = m.record
    assert record.method == "nvml" and record.gpu_kwh > 0
    assert record.attribution.gpus == ["GPU-bbbb"]  # CUDA device 0 is NVML device 1, not every GPU
    assert record.attribution.gpu_foreign_pids == {"GPU-bbbb": [999]} and not record.attribution.gpu_held_alone
    assert record.window.lock.startswith("exclusive ")  # a board counter cannot be shared out
    assert record.uncertainty.gsd == 1.2 and "total-energy counter" in record.uncertainty.basis

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")  # every board visible: only the one torch runs on is read
    with track_energy("gpu", "FRA", device="cuda:1", measure_power_secs=0.1) as m:
        time.sleep(0.3)
    assert m.record.attribution.gpus == ["GPU-bbbb"] and m.record.device == "cuda"


def test_an_int8_variant_stays_on_the_cpu_and_says_so_when_the_study_runs_on_a_gpu(data):
    x, y = data
    torch.manual_seed(0)
    ctx = CompressionContext(x, y, TrainingSpec(epochs=1), n_outputs=2)
    quantized, description = compress(DynamicQuantization(method="dynamic_quantization", name="q"), MLP(6, [8], 2), ctx)
    result = benchmark_variant(
        variant="q",
        description=description,
        model=quantized,
        test=Split(x, y, y),
        task_spec=TaskSpec(kind="multiclass"),
        spec=SPEC,
        routing=RoutingSpec(rule="expected_errors"),  # routing is not under test here
        country_iso3="FRA",
        device="cuda",
    )
    assert result.device == "cpu" and result.energy.device == "cpu"
    assert f"Benchmarked on the CPU, not cuda: {CPU_ONLY_REASON}" in result.description


@needs_cuda
def test_training_and_a_float_benchmark_run_on_the_gpu_and_are_measured_through_nvml(data):
    x, y = data
    device = select_device("cuda")
    model = fit(MLP(6, [64], 2), x, y, epochs=2, batch_size=16, learning_rate=1e-2, seed=0, device=device)
    assert model_device(model).type == "cuda"
    result = benchmark_variant(
        variant="baseline",
        description="d",
        model=model,
        test=Split(x, y, y),
        task_spec=TaskSpec(kind="multiclass"),
        spec=SPEC,
        routing=RoutingSpec(rule="expected_errors"),  # routing is not under test here
        country_iso3="FRA",
        device=device,
    )
    assert result.device.startswith("cuda") and result.energy.device == "cuda"
    assert result.energy.method == "nvml" and result.energy.gpu_kwh > 0


@needs_cuda
def test_a_gpu_benchmark_reads_one_board_and_measures_idle_and_the_batch_sweep_on_it(data):
    """Where a GPU exists: the board torch runs on, its idle with the same counter, the sweep on the same board."""
    from lca.settings import current_host
    from tests.records_factory import energy

    x, y = data
    device = select_device("cuda")
    cpu_idle = energy("idle", 1e-7, duration_s=1.0).model_copy(update={"host": current_host()})
    result = benchmark_variant(
        variant="baseline",
        description="d",
        model=MLP(6, [64], 2).to(device),
        test=Split(x, y, y),
        task_spec=TaskSpec(kind="multiclass"),
        spec=SPEC.model_copy(update={"energy_batch_sizes": [4]}),
        routing=RoutingSpec(rule="expected_errors"),
        country_iso3="FRA",
        idle=cpu_idle,
        device=device,
    )
    assert len(result.energy.attribution.gpus) == 1, "one board: the one torch ran on"
    assert result.idle_energy is not cpu_idle and result.idle_energy.device == "cuda"
    assert result.idle_energy.attribution.gpus == result.energy.attribution.gpus
    assert [(r.batch_size, r.method) for r in result.energy_by_batch] == [(4, "nvml"), (16, "nvml")]
