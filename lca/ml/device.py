"""Where the ML stage runs: the study's ``deployment.device`` (cpu, cuda or auto) made concrete.

- ``cpu``: always the CPU, even on a machine with a GPU.
- ``cuda``: the first CUDA GPU; an error when torch sees none (a CPU build of torch,
  no driver), rather than a silent CPU run reported as a GPU one.
- ``auto``: the GPU when torch sees one, else the CPU.

Training, fine-tuning and distillation, and the benchmarks run on that device. The
int8 variants do not: torchao's int8 paths used here (dynamic ``quantize_`` and the
PT2E graph) run their kernels on CPU, so they are benchmarked on the CPU and the
record and the report say so (:func:`inference_device`).

The only thing asked of the machine is ``torch.cuda.is_available()``; everything
else follows from the answer, which is what the CPU test of this path checks.
"""

from __future__ import annotations

from typing import Literal

import torch

from lca.errors import StudyError

DeviceSetting = Literal["cpu", "cuda", "auto"]
CPU_ONLY_REASON = "int8 quantized: torchao's int8 kernels used here run on CPU only"


def select_device(setting: DeviceSetting) -> torch.device:
    if setting == "cpu":
        return torch.device("cpu")
    available = torch.cuda.is_available()
    if setting == "cuda" and not available:
        raise StudyError(
            f"field 'deployment.device': value 'cuda': torch {torch.__version__} sees no CUDA GPU "
            "(torch.cuda.is_available() is False); install torch's CUDA build on a GPU machine (README, "
            "'Running on a GPU') or set device: auto or cpu"
        )
    return torch.device("cuda" if available else "cpu")


def inference_device(model: torch.nn.Module, device: torch.device) -> tuple[torch.device, str]:
    """The device a variant is benchmarked on, and why when it is not the study's device."""
    from lca.ml.compression.context import is_quantized

    if device.type != "cpu" and is_quantized(model):
        return torch.device("cpu"), CPU_ONLY_REASON
    return device, ""


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so a timer stops when the work is done, not when it was launched."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"
