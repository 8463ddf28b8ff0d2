"""The example's own model: any importable ``module:function`` returning an ``nn.Module`` will do.

lca-ml calls ``build(input_shape=..., n_outputs=..., **kwargs)`` with the shape of
one item (here ``(30,)``), the number of outputs the task needs (1 for a binary
task) and the ``kwargs`` of the study file.
"""

from torch import nn


class CellNet(nn.Module):
    """Linear-BatchNorm-ReLU blocks in one Sequential: every compression method can handle it."""

    def __init__(self, n_inputs: int, hidden: int, n_outputs: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_inputs, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden // 2),
            nn.ReLU(),
            nn.Linear(hidden // 2, n_outputs),
        )

    def forward(self, x):
        return self.body(x)


def build(input_shape, n_outputs, hidden=32):
    return CellNet(input_shape[0], hidden, n_outputs)
