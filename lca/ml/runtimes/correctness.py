"""Does a runtime change the predictions? Each runtime's outputs on the held-out items against eager's.

Two tolerances, both stated in every :class:`~lca.records.RuntimeCheck`:

- **float** (eager float model compiled or exported): the same arithmetic in another
  order (fused kernels, oneDNN's blocked layouts, ONNX Runtime's graph rewrites) moves
  float32 outputs by about 1e-6 relative. Every output must agree with eager's within
  ``rtol = 1e-4`` and ``atol = 1e-4 x max(1, largest |eager output|)``: a hundred times
  that noise, and far below what flips a digit's class. One item outside it fails the
  check: a compiler that silently changes predictions is a bug, not a trade-off.
- **int8** (an int8 graph lowered to other kernels, or ONNX Runtime's own quantization
  of a float graph): rounding differs between int8 kernels (requantization, fused
  scales), so some outputs move and a few borderline items can change class. The test
  is the paired one the product uses for a compressed variant: the loss on the primary
  metric (eager minus runtime, positive = worse) with a paired bootstrap over the
  held-out items (:func:`lca.ml.significance.paired_difference_interval`: each resample
  scores both on the same items). It passes when the upper end of the 95 % interval is
  within the study's ``task.max_quality_loss``, or, when the study sets none, when
  the interval reaches zero (no significant loss).
"""

from __future__ import annotations

import numpy as np

from lca.ml import significance
from lca.ml.tasks import task_for
from lca.ml.tasks.base import resampled_score
from lca.records import RuntimeCheck
from lca.study.machine_learning import TaskSpec
from lca.study.metrics import quality_loss

FLOAT_RTOL = 1e-4
FLOAT_ATOL = 1e-4


def check_against_eager(
    reference: np.ndarray,
    outputs: np.ndarray,
    y_true: np.ndarray,
    task_spec: TaskSpec,
    *,
    int8: bool,
    x: np.ndarray | None = None,
    seed: int = 0,
) -> RuntimeCheck:
    """``reference`` and ``outputs``: the same held-out items, in the units the task scores (decoded)."""
    reference, outputs = np.asarray(reference, dtype=float), np.asarray(outputs, dtype=float)
    if reference.shape != outputs.shape:
        raise ValueError(f"runtime outputs of shape {outputs.shape} against eager's {reference.shape}")
    task = task_for(task_spec.kind)
    metric = task_spec.primary
    scale = max(1.0, float(np.abs(reference).max(initial=0.0)))
    close = np.isclose(outputs, reference, rtol=FLOAT_RTOL, atol=FLOAT_ATOL * scale)
    changed = int((~close.reshape(len(reference), -1).all(axis=1)).sum())
    changed_predictions = None
    if task.kind == "multiclass":
        changed_predictions = int((outputs.argmax(axis=1) != reference.argmax(axis=1)).sum())
    elif task.kind == "binary":
        changed_predictions = int(((outputs.reshape(-1) > 0) != (reference.reshape(-1) > 0)).sum())

    everything = np.arange(len(y_true))
    score_reference, score_run = (resampled_score(task, out, y_true, task_spec, x) for out in (reference, outputs))
    ref_value, run_value = score_reference(everything), score_run(everything)

    def loss(idx):
        return quality_loss(task.kind, metric, score_reference(idx), score_run(idx))

    observed, low, high = significance.paired_difference_interval(loss, lambda idx: 0.0, len(y_true), seed=seed)
    low, high = (None, None) if not np.isfinite(low) else (low, high)
    if not int8:
        tolerance = f"float: every output within rtol {FLOAT_RTOL:g}, atol {FLOAT_ATOL:g} x {scale:.3g} of eager's"
        passed = changed == 0
        verdict = (
            "same predictions as eager"
            if passed
            else f"{changed} of {len(y_true)} items' outputs differ from eager's beyond the float tolerance"
        )
    else:
        limit = task_spec.max_quality_loss
        if limit is not None:
            tolerance = f"int8: upper end of the 95 % paired interval of the {metric} loss at most {limit:g}"
            passed = high is not None and high <= limit + 1e-12
        else:
            tolerance = f"int8: the 95 % paired interval of the {metric} loss reaches zero (no significant loss)"
            passed = low is not None and low <= 0
        interval = f"[{low:+.4f}, {high:+.4f}]" if low is not None else "(no interval)"
        verdict = (
            f"{metric} loss against eager {observed:+.4f}, 95 % paired interval {interval}: "
            f"{'within' if passed else 'outside'} the int8 tolerance"
        )
    return RuntimeCheck(
        reference="eager",
        tolerance_kind="int8" if int8 else "float",
        n_items=len(y_true),
        max_abs_difference=float(np.abs(outputs - reference).max(initial=0.0)),
        changed_items=changed,
        changed_predictions=changed_predictions,
        primary_metric=metric,
        reference_value=float(ref_value),
        runtime_value=float(run_value),
        loss=float(observed),
        loss_p2_5=low,
        loss_p97_5=high,
        tolerance=tolerance,
        passed=bool(passed),
        verdict=verdict,
    )
