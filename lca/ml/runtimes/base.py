"""What every runtime shares: the prepared runner, the "not supported" signal, the artefact key and the
preamble of ``prepare`` (:class:`RuntimeBase`: check support, settle the batch sizes to warm up).

Apart from :mod:`lca.ml.runtimes` (whose :func:`~lca.ml.runtimes.runtime_for` picks a
runtime module by name) so that the runtime modules import this and the registry imports
them, never both ways.
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn


class NotSupported(Exception):
    """This runtime cannot run this model; the message is the reason shown in the report."""


@dataclass
class Prepared:
    """A model made ready in one runtime: call it on a batch like the model itself."""

    runtime: str
    runner: Callable[[torch.Tensor], torch.Tensor]
    preparation_s: float  # wall time of the one-off work (compile, export, quantize), warm-up calls included
    note: str = ""
    artefact: Path | None = None
    from_cache: bool = False
    int8: bool = False  # int8 kernels: predictions are checked with the int8 tolerance (lca.ml.runtimes.correctness)
    set_threads: Callable[[int], None] = torch.set_num_threads

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        return self.runner(batch)

    @torch.no_grad()
    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Raw outputs for every item as float64, like :func:`lca.ml.training.predict`.

        The last chunk is padded to ``batch_size`` so a compiled runner sees no new batch
        shape (which would compile again) just because the test set is not a multiple of it.
        """
        features = torch.from_numpy(np.ascontiguousarray(x))
        parts = []
        for start in range(0, len(x), batch_size):
            chunk = features[start : start + batch_size]
            n = len(chunk)
            if n < batch_size:
                chunk = torch.cat([chunk, chunk[:1].expand(batch_size - n, *chunk.shape[1:])])
            parts.append(self.runner(chunk.contiguous())[:n].float().numpy())
        return np.concatenate(parts).astype(np.float64)


class RuntimeBase(ABC):
    """A runtime: ``supports`` says whether it runs a model and why, ``prepare`` makes the model ready in it.

    A runtime writes ``supports`` and ``_prepare``; ``prepare`` is the preamble they all share. It
    refuses a model ``supports`` rejects (:class:`NotSupported`, with its reason) before any work, and
    hands ``_prepare`` the batch sizes to warm up: each distinct size once, in the order given, or the
    example batch's own size when none is given.
    """

    name: str

    @abstractmethod
    def supports(self, model: nn.Module) -> tuple[bool, str]: ...

    def prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        *,
        batch_sizes: tuple[int, ...] = (),
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> Prepared:
        ok, reason = self.supports(model)
        if not ok:
            raise NotSupported(reason)
        sizes = tuple(dict.fromkeys(batch_sizes)) or (len(example_batch),)
        return self._prepare(model, example_batch, sizes, threads, Path(cache_dir) if cache_dir is not None else None)

    @abstractmethod
    def _prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        sizes: tuple[int, ...],
        threads: int | None,
        cache_dir: Path | None,
    ) -> Prepared: ...


def devices_off_cpu(model: nn.Module) -> list[str]:
    """The devices other than the CPU that hold any of the model's parameters or buffers (a CPU runtime's check)."""
    devices = {p.device.type for p in model.parameters()} | {b.device.type for b in model.buffers()}
    return sorted(devices - {"cpu"})


def model_digest(model: nn.Module, example_batch: torch.Tensor) -> str:
    """Key of a cached artefact: the model's class, code (a graph's), weights and item shape."""
    digest = hashlib.sha256()
    digest.update(f"{type(model).__module__}.{type(model).__qualname__}".encode())
    digest.update(str(getattr(model, "code", "")).encode())
    digest.update(str(tuple(example_batch.shape[1:])).encode())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    digest.update(buffer.getvalue())
    return digest.hexdigest()[:16]


def first_line(exc: BaseException) -> str:
    """The first line of an exception, which is what a report row has room for."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
