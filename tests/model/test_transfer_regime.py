"""The transfer as a legal event (issue 17, item 7; docs/model.md, "The transfer as a legal
event"): consent (each employee accepts with probability p) or automatic continuation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.loader import load_profile
from botsim.inputs.scenario import ConsentTerms
from tests.conftest import make_scenario

N = 20
TRANSFER = {"policy": "at_month", "month": 6, "entity_setup_start_month": 0, "window_months": 1}


def transfer_scenario(p: float, regime: str = "consent", consent: dict | None = None):
    return make_scenario(
        N,
        9,
        location={"transfer_regime": regime},
        transfer={**TRANSFER, "contract_acceptance": p, "consent": consent or {}},
    )


def lost(scenario, replications: int) -> np.ndarray:
    return np.asarray(
        [
            simulate(scenario, replication=r).summary["headcount_lost_at_transfer"]
            for r in range(replications)
        ],
        dtype=float,
    )


def test_consent_loses_binomial_staff() -> None:
    """No attrition, 20 staff at the transfer, acceptance p = 0.7: the loss is Binomial(20,
    0.3). Its mean n q = 6 and variance n q (1 - q) = 4.2 match the replications within 3 SE
    (SE of the sample variance from the binomial's fourth central moment)."""
    p, reps = 0.7, 300
    q = 1 - p
    x = lost(transfer_scenario(p), reps)
    mean, var = N * q, N * q * (1 - q)
    assert abs(x.mean() - mean) <= 3 * math.sqrt(var / reps)
    mu4 = N * q * (1 - q) * (1 + 3 * (N - 2) * q * (1 - q))
    se_var = math.sqrt((mu4 - var**2 * (reps - 3) / (reps - 1)) / reps)
    assert abs(x.var(ddof=1) - var) <= 3 * se_var


def test_automatic_continuation_loses_nobody() -> None:
    assert not lost(transfer_scenario(0.5, "automatic_continuation"), 20).any()


def test_consent_terms_move_acceptance_by_the_logistic() -> None:
    """logit p = logit 0.9 + 0.5 x 2 - 1.5 (tenure reset) = logit 0.9 - 0.5."""
    terms = ConsentTerms(retention_bonus_months=2, tenure_recognised=False)
    expected = 1 / (1 + math.exp(-(math.log(9) - 0.5)))
    assert terms.acceptance(0.9) == pytest.approx(expected, rel=1e-12)
    assert ConsentTerms().acceptance(0.9) == 0.9  # the usual terms: p0 itself


def test_consent_terms_drive_the_simulated_loss() -> None:
    """Benefits below parity: p = logistic(logit 0.9 - 1) ~ 0.766, loss ~ Binomial(20, 0.234)."""
    p = ConsentTerms(benefit_parity=False).acceptance(0.9)
    reps = 200
    x = lost(transfer_scenario(0.9, consent={"benefit_parity": False}), reps)
    q = 1 - p
    assert abs(x.mean() - N * q) <= 3 * math.sqrt(N * q * (1 - q) / reps)


def test_profile_regimes() -> None:
    assert load_profile("philippines").values.transfer_regime == "consent"
    assert load_profile("colombia").values.transfer_regime == "automatic_continuation"
