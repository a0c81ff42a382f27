"""The shipped finance scenario with in-house-centre attrition (issue 17, item 5).

Its role's own attrition replaces the Philippine contact-centre bands, and those bands give the
stated 15 % turnover ratio (IBPAP 2024, captives 10-15 %) with the profile's probation and
notice (docs/model.md, "Emergent turnover").
"""

from __future__ import annotations

import pytest

from botsim import load_scenario
from botsim.model.hazards import emergent_annual_rate
from tests.conftest import SCENARIOS

FINANCE = SCENARIOS / "manila-finance-gcc-attrition.yaml"
STATED_RATE = 0.15


def test_the_role_uses_its_own_attrition_at_the_stated_rate() -> None:
    scenario = load_scenario(FINANCE)
    role, location = scenario.roles[0], scenario.locations[0]
    attrition = scenario.attrition_for(role)
    assert attrition is role.attrition and attrition != location.attrition
    rate = emergent_annual_rate(attrition, location.probation, location.notice_days)
    assert rate == pytest.approx(STATED_RATE, rel=0.01)


def test_it_differs_from_the_quick_start_only_in_the_role_attrition() -> None:
    finance = load_scenario(FINANCE)
    base = load_scenario(SCENARIOS / "manila-finance-20.yaml")
    roles = [role.model_copy(update={"attrition": None}) for role in finance.roles]
    same = finance.model_copy(update={"roles": roles, "name": base.name, "description": ""})
    assert same == base.model_copy(update={"description": ""})
