"""The built-in profiles' loaded salaries by line (issue 16, item 5), checked by hand.

loaded = base x (1 + statutory_rate + bonus_pay_rate + night_differential_rate) + benefits
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.inputs.loader import builtin_profiles, load_profile
from botsim.inputs.profile_view import profile_rows
from botsim.inputs.scenario import LoadedSalary
from tests.unit.test_profiles import ASSUMPTION, cites_something

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


# ------------------------------------------------ India, Mexico, Poland itemised (issue 16, item 5)

FAMILIES = ("customer_experience", "finance", "it_support", "team_lead")
ROUNDED = 6e-4
"""A rate stated to 3 decimals lies within this of its derivation."""


def _stated(name: str, family: str) -> LoadedSalary:
    salary = load_profile(name).values.loaded_monthly_cost[family]
    assert isinstance(salary, LoadedSalary)
    return salary


@pytest.mark.parametrize("family", FAMILIES)
def test_indian_lines_by_hand(family: str) -> None:
    salary = _stated("india", family)
    gross = salary.base * 88  # INR per USD
    wages = gross / 2  # Code on Wages: basic at 50 % of remuneration
    # EPF 12 % + EDLI 0.5 % + admin 0.5 % on wages capped at INR 15,000; no ESI above 21,000
    assert gross > 21_000
    assert salary.statutory_rate == pytest.approx(0.13 * min(wages, 15_000) / gross, abs=ROUNDED)
    # gratuity 15 days per year on a 26-day month; statutory bonus 8.33 % of INR 7,000 up to
    # INR 21,000 of wages
    bonus = 0.0833 * 7_000 / gross if wages <= 21_000 else 0.0
    assert salary.bonus_pay_rate == pytest.approx(15 / 26 / 12 * wages / gross + bonus, abs=ROUNDED)
    assert salary.night_differential_rate == salary.benefits == 0.0


def test_indian_loaded_costs_exactly() -> None:
    values = load_profile("india").values
    assert values.loaded_cost("customer_experience") == pytest.approx(
        360 * (1 + 0.062 + 0.042), rel=1e-12
    )
    assert values.loaded_cost("customer_experience") == pytest.approx(397.44, abs=1e-9)
    assert values.loaded_cost("finance") == pytest.approx(540 * (1 + 0.041 + 0.024), rel=1e-12)
    assert values.loaded_cost("it_support") == pytest.approx(648 * (1 + 0.034 + 0.024), rel=1e-12)
    assert values.loaded_cost("team_lead") == pytest.approx(720 * (1 + 0.031 + 0.024), rel=1e-12)
    # gratuity on recognised tenure: 15/26 month of wages = half that of gross pay per year
    assert values.transfer_liability.months_per_year_of_service == pytest.approx(
        15 / 26 / 2, abs=1e-4
    )
    # retrenchment 15 days' wages a year (+ 15 days to the re-skilling fund once), wages 50 %
    severance = values.severance
    assert (severance.first_year_months, severance.further_year_months) == (0.5, 0.25)
    assert severance.whole_year_from_months == 6
    assert values.transfer_regime == "consent"


MX_UMA = 117.31  # MXN a day, 2026
MX_INTEGRATION = 1 + 15 / 365 + 0.25 * 12 / 365  # aguinaldo and vacation premium (LSS art. 27)
MX_FIXED_RATES = (
    0.007 + 0.0105 + 0.0175 + 0.01 + 0.0054355 + 0.02
)  # arts. 107, 25, 147, 211, 73, 168
MX_INFONAVIT, MX_STATE_TAX = 0.05, 0.03


@pytest.mark.parametrize(
    ("family", "cesantia"),
    [
        ("customer_experience", 0.05),
        ("finance", 0.07513),
        ("it_support", 0.07513),
        ("team_lead", 0.07513),
    ],
)
def test_mexican_lines_by_hand(family: str, cesantia: float) -> None:
    salary = _stated("mexico", family)
    daily = salary.base * 18.5 / 30.4  # MXN per USD, 30.4 paid days a month
    sbc = daily * MX_INTEGRATION
    fixed_fee = 0.204 * MX_UMA / sbc  # 20.40 % of one UMA a day (art. 106 I)
    above = 0.011 * max(sbc - 3 * MX_UMA, 0) / sbc  # 1.10 % above 3 UMA (art. 106 II)
    on_sbc = fixed_fee + above + MX_FIXED_RATES + cesantia + MX_INFONAVIT + MX_STATE_TAX
    assert salary.statutory_rate == pytest.approx(on_sbc * MX_INTEGRATION, abs=ROUNDED)
    # aguinaldo 15 days + 25 % premium on 12 days' leave + PTU 1 % (assumption)
    assert salary.bonus_pay_rate == pytest.approx(15 / 365 + 3 / 365 + 0.01, abs=1e-4)


def test_mexican_loaded_costs_exactly() -> None:
    values = load_profile("mexico").values
    # Sunday premium 25 % of one day in 30.4 for customer experience
    assert _stated("mexico", "customer_experience").night_differential_rate == pytest.approx(
        0.25 / 30.4, abs=ROUNDED
    )
    assert values.loaded_cost("customer_experience") == pytest.approx(
        600 * (1 + 0.277 + 0.0593 + 0.008), rel=1e-12
    )
    assert values.loaded_cost("customer_experience") == pytest.approx(806.58, abs=1e-9)
    assert values.loaded_cost("finance") == pytest.approx(900 * (1 + 0.285 + 0.0593), rel=1e-12)
    assert values.loaded_cost("it_support") == pytest.approx(1079 * (1 + 0.279 + 0.0593), rel=1e-12)
    assert values.loaded_cost("team_lead") == pytest.approx(1200 * (1 + 0.276 + 0.0593), rel=1e-12)
    # 3 months + (20 + 12 seniority) days per year; seniority premium assumed at transfer
    per_year = 32 / 30.4
    assert values.severance.minimum_months == 3
    assert values.severance.further_year_months == pytest.approx(per_year, abs=1e-4)
    assert values.severance.first_year_months == pytest.approx(3 + per_year, abs=1e-4)
    assert values.transfer_liability.months_per_year_of_service == pytest.approx(
        12 / 30.4, abs=1e-4
    )
    assert values.transfer_regime == "automatic_continuation"


def test_polish_lines_by_hand() -> None:
    values = load_profile("poland").values
    # ZUS pension 9.76 + disability 6.50 + accident 1.67 + Labour Fund 2.45 + FGSP 0.10 + PPK 1.5
    zus = 0.0976 + 0.065 + 0.0167 + 0.0245 + 0.001 + 0.015
    for family in FAMILIES:
        salary = _stated("poland", family)
        assert salary.statutory_rate == pytest.approx(zus, abs=1e-12)
        assert salary.bonus_pay_rate == salary.night_differential_rate == salary.benefits == 0.0
        assert values.loaded_cost(family) == pytest.approx(salary.base * (1 + zus), rel=1e-12)
    assert values.loaded_cost("customer_experience") == pytest.approx(2134.65, abs=1e-9)
    assert values.loaded_cost("team_lead") == pytest.approx(4269.3, abs=1e-9)
    # one month under 2 years' service (Act of 13 March 2003, art. 8)
    assert (values.severance.minimum_months, values.severance.first_year_months) == (1, 1)
    assert values.transfer_regime == "automatic_continuation"


# ------------------------------------------------ every cost line stated and sourced

COST_LINES = (
    "loaded_monthly_cost.",
    "seat_monthly_cost",
    "support_cost",
    "governance_monthly_cost",
    "wage_increase.",
    "transfer_liability.",
    "layoff_notice_days",
    "severance.",
    "transfer_regime",
)
"""The profile fields that price a location (issue 16, items 1 and 5)."""

UNSTATED = "not stated for this profile"


def _cost_rows(name: str) -> list[tuple[str, object, str | None]]:
    return [row for row in profile_rows(load_profile(name)) if row[0].startswith(COST_LINES)]


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_every_cost_line_is_stated_with_its_own_source(name: str) -> None:
    profile = load_profile(name)
    rows = _cost_rows(name)
    assert len(rows) >= 20 + 5  # 4 families x 5 lines plus seats, support, governance, ...
    bad = []
    for path, _, source in rows:
        text = source or ""
        if UNSTATED in text:
            bad.append((path, "unstated"))
        elif not (ASSUMPTION.match(text) or cites_something(text) or text.startswith("[derived]")):
            bad.append((path, "neither a source nor an assumption"))
        if path.startswith("loaded_monthly_cost.") and path not in profile.sources:
            bad.append((path, "only the umbrella source"))  # each line its own entry
    assert not bad, f"{name}: {bad}"


@pytest.mark.parametrize("name", ["india", "mexico", "poland"])
def test_cli_shows_every_cost_line_with_its_source(name: str) -> None:
    result = CliRunner().invoke(main, ["profiles", "show", name])
    assert result.exit_code == 0, result.output
    for path, value, source in _cost_rows(name):
        assert f"\n{path} = {value}\n    source: {source}\n" in result.output + "\n", path
