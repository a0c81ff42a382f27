"""Statistics against independent references: scipy and a textbook worked example."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from botsim.stats import (
    aggregate,
    bonferroni_confidence,
    censored_quantiles,
    compare_summaries,
    describe,
    kaplan_meier,
    km_quantile,
    mean_ci,
    metric_direction,
    paired_difference,
    probability_by,
    survival_at,
    time_to_table,
    welch_difference,
    wilson_interval,
)

# Freireich et al. (1963) 6-MP arm, remission times in weeks; the classic Kaplan-Meier worked
# example (Kleinbaum & Klein, *Survival Analysis*, 3rd ed., ch. 2; Klein & Moeschberger 4.2).
GEHAN_EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23]
GEHAN_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
# Textbook table: time, S(t), Greenwood standard error.
GEHAN_TABLE = [
    (6, 0.857, 0.076),
    (7, 0.807, 0.087),
    (10, 0.753, 0.096),
    (13, 0.690, 0.107),
    (16, 0.627, 0.114),
    (22, 0.538, 0.128),
    (23, 0.448, 0.135),
]


def gehan() -> tuple[np.ndarray, np.ndarray]:
    durations = np.array(GEHAN_EVENTS + GEHAN_CENSORED, dtype=float)
    observed = np.array([True] * len(GEHAN_EVENTS) + [False] * len(GEHAN_CENSORED))
    return durations, observed


def test_t_interval_matches_scipy():
    x = np.random.default_rng(1).gamma(2.0, 3.0, size=37)
    mean, lo, hi = mean_ci(x, 0.95)
    ref = st.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=st.sem(x))
    assert mean == pytest.approx(x.mean())
    assert (lo, hi) == pytest.approx(ref, rel=1e-12)


def test_describe_ignores_nan_and_reports_quantiles():
    d = describe(np.array([1.0, 2.0, np.nan, 3.0, 4.0]))
    assert d["n"] == 4
    assert d["median"] == 2.5
    assert d["sd"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (47, 200), (199, 200)])
def test_wilson_interval_matches_scipy(k, n):
    p, lo, hi = wilson_interval(k, n, 0.95)
    ref = st.binomtest(k, n).proportion_ci(0.95, method="wilson")
    assert p == k / n
    assert lo == pytest.approx(ref.low, abs=1e-12)
    assert hi == pytest.approx(ref.high, abs=1e-12)


def test_wilson_textbook_value():
    # Newcombe (1998), Table I, example 81/263: Wilson 95 % interval 0.2553 - 0.3662.
    _, lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)


def test_kaplan_meier_matches_textbook_worked_example():
    km = kaplan_meier(*gehan())
    for t, s, se in GEHAN_TABLE:
        row = km[km["time"] == t].iloc[0]
        assert round(row["survival"], 3) == s
        assert round(row["std_err"], 3) == pytest.approx(se, abs=0.0011)
    assert km_quantile(km, 0.5)["time"] == 23.0


def test_kaplan_meier_and_loglog_band_match_scipy():
    durations, observed = gehan()
    km = kaplan_meier(durations, observed, 0.95)
    ref = st.ecdf(st.CensoredData(uncensored=durations[observed], right=durations[~observed])).sf
    band = ref.confidence_interval(0.95, method="log-log")
    times = km["time"].to_numpy()
    np.testing.assert_allclose(km["survival"], ref.evaluate(times), rtol=1e-12)
    np.testing.assert_allclose(km["ci_low"], band.low.evaluate(times), rtol=1e-9)
    np.testing.assert_allclose(km["ci_high"], band.high.evaluate(times), rtol=1e-9)


def test_kaplan_meier_random_censoring_matches_scipy():
    rng = np.random.default_rng(5)
    t = np.round(rng.exponential(10, 300), 1)
    c = np.round(rng.exponential(15, 300), 1)
    durations, observed = np.minimum(t, c), t <= c
    km = kaplan_meier(durations, observed)
    ref = st.ecdf(st.CensoredData(uncensored=durations[observed], right=durations[~observed])).sf
    check = km["survival"] > 0
    np.testing.assert_allclose(
        km.loc[check, "survival"], ref.evaluate(km.loc[check, "time"].to_numpy()), rtol=1e-10
    )


def test_km_without_censoring_is_the_empirical_survival():
    x = np.array([1.0, 2.0, 2.0, 5.0])
    km = kaplan_meier(x, np.ones(4, bool))
    assert survival_at(km, 0.5) == 1.0
    assert survival_at(km, 2.0) == pytest.approx(0.25)
    assert survival_at(km, 5.0) == 0.0


def test_km_median_is_inf_when_not_reached():
    km = kaplan_meier(np.array([3.0, 36, 36, 36]), np.array([True, False, False, False]))
    assert math.isinf(km_quantile(km, 0.5)["time"])


def test_censored_quantiles_agree_with_km_below_horizon():
    rng = np.random.default_rng(3)
    horizon = 24.0
    t = rng.exponential(15, 400)
    censored = t > horizon
    values = np.where(censored, np.nan, t)
    km = kaplan_meier(np.where(censored, horizon, t), ~censored)
    q = censored_quantiles(values, censored, (0.1, 0.5))
    assert km_quantile(km, 0.1)["time"] == pytest.approx(q[0.1])
    assert km_quantile(km, 0.5)["time"] == pytest.approx(q[0.5])


def test_probability_by_counts_censored_as_not_yet():
    values = np.array([2.0, 5.0, np.nan, 11.0, np.nan])
    censored = np.isnan(values)
    pb = probability_by(values, censored, 6, horizon=12)
    assert pb["events"] == 2 and pb["n"] == 5
    ref = st.binomtest(2, 5).proportion_ci(0.95, method="wilson")
    assert (pb["ci_low"], pb["ci_high"]) == pytest.approx((ref.low, ref.high))
    assert math.isnan(probability_by(values, censored, 13, horizon=12)["p"])


def test_paired_difference_matches_scipy_ttest_rel():
    rng = np.random.default_rng(11)
    a = rng.normal(10, 3, 50)
    b = a + rng.normal(0.5, 0.4, 50)
    res = paired_difference(a, b, 0.95)
    z = a - b
    ref_ci = st.t.interval(0.95, len(z) - 1, loc=z.mean(), scale=st.sem(z))
    assert (res["ci_low"], res["ci_high"]) == pytest.approx(ref_ci, rel=1e-12)
    assert res["p_value"] == pytest.approx(st.ttest_rel(a, b).pvalue, rel=1e-10)


def test_paired_difference_of_identical_samples_is_exactly_zero():
    a = np.random.default_rng(2).normal(size=20)
    res = paired_difference(a, a.copy())
    assert res["diff"] == 0.0 and res["ci_low"] == 0.0 and res["ci_high"] == 0.0
    assert res["p_value"] == 1.0


def test_welch_difference_matches_scipy():
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 30), rng.normal(1, 2, 45)
    res = welch_difference(a, b)
    ref = st.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ref.low, ref.high), rel=1e-10)


def test_bonferroni_confidence():
    assert bonferroni_confidence(0.95, 1) == 0.95
    assert bonferroni_confidence(0.95, 3) == pytest.approx(1 - 0.05 / 3)


def test_metric_direction():
    assert metric_direction("time_to_stable_team") == "lower"
    assert metric_direction("final_effective_fte") == "higher"
    assert metric_direction("total_cost_bot") == "lower"
    assert metric_direction("total_cost__manila__agent") == "lower"  # a declared family
    assert metric_direction("hires") is None


def _summary(rng, shift, n=40, horizon=24.0):
    t = rng.exponential(10, n) + shift
    cens = t > horizon
    return pd.DataFrame(
        {
            "replication": np.arange(n),
            "time_to_stable_team": np.where(cens, np.nan, t),
            "time_to_stable_team_censored": cens,
            "final_headcount": rng.poisson(18, n),
        }
    )


def test_compare_summaries_uses_restricted_times_and_bonferroni():
    base = _summary(np.random.default_rng(0), 0)
    later = _summary(np.random.default_rng(0), 6)  # same draws, 6 months later
    table = compare_summaries({"A": base, "B": later}, horizon=24)
    row = table[table.metric == "time_to_stable_team"].iloc[0]
    ra = np.minimum(base.time_to_stable_team.fillna(24), 24)
    rb = np.minimum(later.time_to_stable_team.fillna(24), 24)
    assert row["diff"] == pytest.approx((ra - rb).mean())
    assert row["better"] == "A" and row["significant"]
    assert row["confidence"] == 0.95
    three = compare_summaries({"A": base, "B": later, "C": base}, horizon=24)
    assert set(three["comparisons"]) == {3}
    assert three["confidence"].iloc[0] == pytest.approx(1 - 0.05 / 3)
    same = three[(three.scenario_a == "A") & (three.scenario_b == "C")]
    assert (same["diff"] == 0).all() and not same["significant"].any()


def test_time_to_table_reports_km_median_and_wilson():
    s = _summary(np.random.default_rng(9), 0, n=60)
    table = time_to_table(s, horizon=24, months=(6, 12, 36))
    row = table.iloc[0]
    assert row["censored"] == int(s.time_to_stable_team_censored.sum())
    assert "p_by_36" not in table  # beyond the horizon: unknown, not reported
    k = int((s.time_to_stable_team <= 12).sum())
    assert row["p_by_12"] == pytest.approx(k / 60)


def test_aggregate_still_one_row_per_metric():
    s = _summary(np.random.default_rng(9), 0)
    agg = aggregate(s)
    assert list(agg.metric) == ["time_to_stable_team", "final_headcount"]
    assert agg.set_index("metric").loc["time_to_stable_team", "censored"] == int(
        s.time_to_stable_team_censored.sum()
    )


def test_time_to_metrics_leave_out_replications_they_do_not_apply_to() -> None:
    """time_to_restabilise is undefined where no transfer completed (NaN, not censored): those
    replications are not "not reached" (issue 15); NaN with the flag is."""
    from botsim.stats import summarise_time_to, time_to_table

    summary = pd.DataFrame(
        {
            "replication": range(5),
            "time_to_restabilise": [2.0, np.nan, np.nan, 4.0, 6.0],
            "time_to_restabilise_censored": [False, False, True, False, False],
        }
    )
    row = summarise_time_to(summary, "time_to_restabilise")
    assert row["n"] == 4 and row["applies_share"] == 0.8
    assert row["censored_share"] == 0.25
    assert row["median"] == 4.0  # of 2, 4, 6 and one not reached: not inflated by the NaN
    table = time_to_table(summary, 36, metrics=("time_to_restabilise",), months=(12,))
    assert table.loc[0, "n"] == 4 and table.loc[0, "censored"] == 1
    assert table.loc[0, "p_by_12"] == 0.75


def test_no_better_side_without_a_significant_difference() -> None:
    """'better' only where the interval excludes 0; otherwise no clear difference (issue 15)."""
    rng = np.random.default_rng(5)
    a = _summary(rng, 0)
    b = a.copy()
    noise = np.random.default_rng(6).normal(0, 0.5, len(b))
    b["final_headcount"] = b["final_headcount"] + noise  # tiny, unsystematic differences
    table = compare_summaries({"A": a, "B": b}, horizon=24, metrics=["final_headcount"])
    row = table.iloc[0]
    assert not row["significant"] and row["diff"] != 0
    assert row["better"] == ""


def test_a_time_to_event_never_reached_on_one_side_is_not_compared() -> None:
    """A restricted-time difference against a side that never gets there only measures the
    censoring (issue 15): the row says which side never reached it and gives no difference."""
    a = _summary(np.random.default_rng(1), 0)
    b = a.copy()
    b["time_to_stable_team"] = np.nan
    b["time_to_stable_team_censored"] = True
    table = compare_summaries({"A": a, "B": b}, horizon=24, metrics=["time_to_stable_team"])
    row = table.iloc[0]
    assert row["reached_b"] == 0 and row["reached_a"] > 0
    assert math.isnan(row["diff"]) and not row["significant"] and row["better"] == ""
    assert row["status"] == "not comparable" and row["status_side"] == "B"


def test_paired_proportion_difference_matches_the_published_newcombe_interval() -> None:
    """Newcombe's hybrid score interval for paired proportions against the worked example of
    Fagerland, Lydersen & Laake (2017), *Statistical Analysis of Contingency Tables*, ch. 8
    (Cavo et al. 2012: 59 both, 6 first only, 16 second only, 80 neither): estimate -0.0621,
    95 % CI -0.1186 to -0.0046 (to the 4 decimals printed)."""
    from botsim.stats import paired_proportion_difference

    first = np.array([1] * 59 + [1] * 6 + [0] * 16 + [0] * 80, dtype=bool)
    second = np.array([1] * 59 + [0] * 6 + [1] * 16 + [0] * 80, dtype=bool)
    res = paired_proportion_difference(first, second)
    assert res["diff"] == pytest.approx(-0.0621, abs=5e-5)
    assert res["ci_low"] == pytest.approx(-0.1186, abs=5e-5)
    assert res["ci_high"] == pytest.approx(-0.0046, abs=5e-5)
    # McNemar's exact p-value: two-sided binomial on the 22 discordant pairs.
    assert res["p_value"] == pytest.approx(st.binomtest(6, 22, 0.5).pvalue)
    same = paired_proportion_difference(first, first)
    assert same["diff"] == 0 and same["ci_low"] < 0 < same["ci_high"] and same["p_value"] == 1


def _crossing(n: int = 1000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reaches the event at month 24 in 30 % of replications and never (censored at 36) in
    the rest; B reaches it at month 33 in every replication."""
    hit = np.arange(n) < 3 * n // 10
    a = pd.DataFrame(
        {
            "replication": np.arange(n),
            "time_to_stable_team": np.where(hit, 24.0, np.nan),
            "time_to_stable_team_censored": ~hit,
        }
    )
    b = pd.DataFrame(
        {
            "replication": np.arange(n),
            "time_to_stable_team": np.full(n, 33.0),
            "time_to_stable_team_censored": np.zeros(n, dtype=bool),
        }
    )
    return a, b


def test_a_side_censored_in_most_replications_gets_no_naive_better() -> None:
    """Issue 15: A is censored at the horizon in 70 % of replications. Its restricted mean
    (0.3 x 24 + 0.7 x 36 = 32.4) is significantly below B's 33, which alone would call A
    "better"; but by month 36 B has always got there and A only 30 % of the time. The row
    gives P(by m) of each side and their paired difference, the restricted means with the
    censoring shares, and no better side: it depends on the month."""
    a, b = _crossing()
    table = compare_summaries({"A": a, "B": b}, horizon=36, metrics=["time_to_stable_team"])
    row = table.iloc[0]
    assert row["mean_a"] == pytest.approx(0.3 * 24 + 0.7 * 36)
    assert row["mean_b"] == pytest.approx(33.0)
    assert row["significant"] and row["diff"] < 0  # the restricted mean alone favours A
    assert row["censored_a"] == pytest.approx(0.7) and row["censored_b"] == 0
    assert row["p_by_24_a"] == pytest.approx(0.3) and row["p_by_24_b"] == 0
    assert row["p_by_36_a"] == pytest.approx(0.3) and row["p_by_36_b"] == 1
    assert row["p_by_36_diff"] == pytest.approx(-0.7) and row["p_by_36_ci_high"] < 0
    assert row["p_by_24_ci_low"] > 0  # and by month 24 A is ahead: the curves cross
    assert row["p_by_12_diff"] == 0 and row["p_by_12_ci_low"] < 0 < row["p_by_12_ci_high"]
    assert row["depends_on_month"] and row["better"] == ""
    assert row["status"] == "compared"


def test_a_metric_undefined_on_one_side_is_reported_as_such() -> None:
    """Time to re-stabilise and the transfer month are undefined for a team that never
    transfers (NaN without a censoring flag): the row says so and carries no difference."""
    n = 50
    rng = np.random.default_rng(3)
    transferred = pd.DataFrame(
        {
            "replication": np.arange(n),
            "transfer_month": rng.uniform(18, 20, n),
            "time_to_restabilise": rng.uniform(1, 5, n),
            "time_to_restabilise_censored": np.zeros(n, dtype=bool),
        }
    )
    never = pd.DataFrame(
        {
            "replication": np.arange(n),
            "transfer_month": np.full(n, np.nan),
            "time_to_restabilise": np.full(n, np.nan),
            "time_to_restabilise_censored": np.zeros(n, dtype=bool),
        }
    )
    table = compare_summaries(
        {"A": transferred, "B": never},
        horizon=36,
        metrics=["time_to_restabilise", "transfer_month"],
    )
    assert list(table["metric"]) == ["time_to_restabilise", "transfer_month"]
    assert (table["status"] == "undefined").all() and (table["status_side"] == "B").all()
    assert table["diff"].isna().all() and (table["better"] == "").all()
    assert not table["significant"].any()
