"""The built-in profiles' loaded salaries by line (issue 16, item 5), checked by hand.

loaded = base x (1 + statutory_rate + bonus_pay_rate + night_differential_rate) + benefits
"""

from __future__ import annotations

import pytest

from botsim.inputs.loader import load_profile
from botsim.inputs.scenario import LoadedSalary

PROFILES = ("philippines", "colombia", "india", "mexico", "poland")


@pytest.mark.parametrize("name", PROFILES)
def test_every_family_is_given_by_line(name: str) -> None:
    values = load_profile(name).values
    for family, salary in values.loaded_monthly_cost.items():
        assert isinstance(salary, LoadedSalary), (name, family)


def test_philippine_customer_experience_by_hand() -> None:
    values = load_profile("philippines").values
    # PHP 26,000 at 58 = US$448; SSS 10 % + PhilHealth 2.5 % + Pag-IBIG 200/26,000;
    # 13th month 1/12; night differential 10 %; HMO US$35.
    statutory = 0.10 + 0.025 + 200 / 26_000
    assert values.loaded_monthly_cost["customer_experience"].statutory_rate == pytest.approx(
        statutory,
        abs=6e-4,  # rounded to 3 decimals
    )
    expected = 448 * (1 + 0.133 + 0.0833 + 0.10) + 35
    assert values.loaded_cost("customer_experience") == pytest.approx(expected, rel=1e-12)
    assert values.loaded_cost("customer_experience") == pytest.approx(624.7024, abs=1e-9)


def test_philippine_sss_ceiling_caps_the_statutory_rate() -> None:
    values = load_profile("philippines").values
    # above the PHP 35,000 monthly salary credit the SSS share is a fixed PHP 3,500
    for family, php in (("it_support", 40_000), ("team_lead", 45_000)):
        statutory = 3_500 / php + 0.025 + 200 / php
        assert values.loaded_monthly_cost[family].statutory_rate == pytest.approx(
            statutory,
            abs=6e-4,  # rounded to 3 decimals
        )
    assert values.loaded_cost("finance") == pytest.approx(
        603 * (1 + 0.131 + 0.0833 + 0.05) + 35, rel=1e-12
    )


def test_colombian_customer_experience_by_hand() -> None:
    values = load_profile("colombia").values
    # 1.7 x the 2026 minimum wage COP 1,750,905 at COP 3,900 per USD
    assert values.base_pay("customer_experience") == round(1.7 * 1_750_905 / 3_900)
    # prima 1/12 + cesantias 1/12 + 12 % interest + 15 days' vacation / 360
    bonus = 1 / 12 + 1 / 12 + 0.12 / 12 + 15 / 360
    assert values.loaded_monthly_cost["customer_experience"].bonus_pay_rate == pytest.approx(
        bonus, abs=1e-4
    )
    # transport allowance COP 249,095 at 3,900; Sunday surcharge 90 % on 8 of ~182 hours
    salary = values.loaded_monthly_cost["customer_experience"]
    assert salary.benefits == round(249_095 / 3_900)
    assert salary.night_differential_rate == pytest.approx(0.90 * 8 / 182, abs=1e-3)
    expected = 763 * (1 + 0.165 + 0.2183 + 0.04) + 64
    assert values.loaded_cost("customer_experience") == pytest.approx(expected, rel=1e-12)


def test_colombian_sunday_surcharge_steps_to_100_percent_in_2027() -> None:
    values = load_profile("colombia").values
    (step,) = values.statutory_steps
    assert (step.from_date, step.line, step.family) == (
        "2027-07",
        "night_differential_rate",
        "customer_experience",
    )
    assert step.value == pytest.approx(1.00 * 8 / 182, abs=1e-3)


@pytest.mark.parametrize(
    ("name", "family", "total"),
    [
        ("india", "customer_experience", 450.0),
        ("india", "team_lead", 900.0),
        ("mexico", "customer_experience", 840.0),
        ("poland", "finance", 3150.0),
        ("poland", "team_lead", 4200.0),
    ],
)
def test_profiles_without_itemised_sources_keep_their_former_totals(
    name: str, family: str, total: float
) -> None:
    assert load_profile(name).values.loaded_cost(family) == pytest.approx(total, rel=1e-12)
