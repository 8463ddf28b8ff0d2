"""Spreads of derived figures: products of cited parameters, and shares measured on a test set."""

from __future__ import annotations

import math

from lca.study.reference_data import Parameter
from lca.study.sentences import first_sentence
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty


def lognormal_product(parts: list[tuple[str, Parameter, str]]) -> tuple[float, Uncertainty]:
    """Value and spread of a product of parameters, each raised to +1 or -1.

    The spread is a lognormal whose log-variance is the sum of the parts'
    (exact for lognormal parts; a non-lognormal part enters with the standard
    deviation of its logarithm, computed from its distribution).
    """
    value, variance, bases = 1.0, 0.0, []
    for label, param, power in parts:
        sign = 1 if power == "+" else -1
        value *= param.value**sign
        variance += _log_sd(param.value, param.total_uncertainty) ** 2
        bases.append(f"{label} {param.value:g} {param.unit} ({first_sentence(param.source)})")
    basis = "Product of: " + "; ".join(bases) + ". Spread: log-variances added."
    if variance == 0:
        return value, NO_UNCERTAINTY.model_copy(update={"basis": basis})
    return value, Uncertainty(distribution="lognormal", gsd=math.exp(math.sqrt(variance)), basis=basis)


def _log_sd(value: float, u: Uncertainty) -> float:
    if u.distribution == "none":
        return 0.0
    if u.distribution == "lognormal":
        return math.log(u.gsd)
    if u.distribution == "normal":
        return u.relative_sd  # first order
    # uniform / triangular: standard deviation of ln(x) by quadrature over the quantiles
    from lca.assessment.engine import quantile

    probs = [(i + 0.5) / 400 for i in range(400)]
    logs = [math.log(max(quantile(value, u, p), 1e-300)) for p in probs]
    mean = sum(logs) / len(logs)
    return math.sqrt(sum((x - mean) ** 2 for x in logs) / len(logs))


def binomial_uncertainty(fraction: float, n: int) -> Uncertainty:
    """Sampling spread of a share measured on ``n`` test items, as a lognormal of the same relative SD."""
    if fraction <= 0 or n <= 0:
        return NO_UNCERTAINTY
    cv = math.sqrt(fraction * (1 - fraction) / n) / fraction
    if cv == 0:
        return NO_UNCERTAINTY
    gsd = math.exp(math.sqrt(math.log(1 + cv**2)))
    return Uncertainty(
        distribution="lognormal",
        gsd=gsd,
        basis=f"binomial sampling error of a share of {fraction:.4g} measured on {n} test items (relative SD {cv:.2f})",
    )
