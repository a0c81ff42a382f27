"""Recruiting from requisition records: time to fill, funnel proportions and durations, and
the funnel mapping to ``applicants_per_week``.

* **Time to fill** (opened -> offer accepted; cancelled or still-open requisitions
  right-censored) is fitted by maximum likelihood over the families the schema supports
  (exponential, lognormal, triangular, uniform) and over the funnel's own family, chosen by AIC.
  Proportions (pass rates, offer acceptance, no-show, no-notice share) use Wilson intervals.
* **Funnel mapping.** In the model (``botsim.model.recruiting``) accepting finalists arrive as a
  Poisson stream of rate lambda and answer after the funnel time D (stages + offer), so
  P(T > t) = exp(-lambda G(t)) with G(t) = E[(t - D)+]. Given D, the MLE of lambda is
  (filled requisitions) / sum G(t_i) over all requisitions, censored ones included. With no
  stage-duration data, D is a fixed funnel time whose MLE is the shortest observed time to fill
  (T is then a shifted exponential), split over the base profile's stages in proportion to
  their mean durations. ``applicants_per_week = 7 lambda / (prod pass_rate * offer_acceptance)``.
  The funnel enters the AIC table as its own family (``funnel``: with a fixed D a shifted
  exponential with 2 parameters; with D fitted from stage columns, 1 parameter given D), so the
  report says whether another family describes the time to fill better; the mapping always
  reproduces the mean (checked by running botsim's own search with the fitted funnel,
  :mod:`botsim.calibrate.checks`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from scipy import stats as _st

from botsim.calibrate.durations import DurationFit, FamilyFit, fit_duration, fit_families
from botsim.calibrate.estimates import (
    MIN_PROPORTION_TRIALS,
    Estimate,
    kaplan_meier,
    mean_estimate,
    poisson_rate_interval,
    proportion,
    restricted_mean,
)
from botsim.calibrate.hr_records import RequisitionRecord
from botsim.calibrate.result import Calibration, fitted_label, replace_source, rounded
from botsim.stats import CONFIDENCE

FUNNEL_SAMPLES = 20_000
"""Monte Carlo draws of the funnel time D used for G(t) when stage durations are random."""


def funnel_time_sample(recruiting: dict[str, Any], size: int = FUNNEL_SAMPLES) -> np.ndarray:
    """Draws of the funnel time D = sum of stage durations + offer duration (fixed seed)."""
    from pydantic import TypeAdapter

    from botsim.inputs.distributions import Distribution

    adapter = TypeAdapter(Distribution)
    rng = np.random.default_rng(0)  # a fixed, local stream: the fit must be reproducible
    total = np.zeros(size)
    for spec in [*(s["duration"] for s in recruiting["stages"]), recruiting["offer_duration"]]:
        total += np.broadcast_to(adapter.validate_python(spec).sample(rng, size), (size,))
    return total


def expected_excess(t: np.ndarray, d_sample: np.ndarray) -> np.ndarray:
    """G(t) = E[(t - D)+] for each t, from a sample of D."""
    d = np.sort(d_sample)
    csum = np.concatenate([[0.0], np.cumsum(d)])
    k = np.searchsorted(d, t, side="right")
    return (k * t - csum[k]) / len(d)


def model_mean_time_to_fill(rate: float, d_sample: np.ndarray) -> float:
    """E[T] = integral of exp(-rate G(t)) dt for the model's search (module docstring)."""
    d_min = float(d_sample.min())
    upper = float(d_sample.max()) + 40 / rate
    grid = np.linspace(0, upper, 20_001)
    surv = np.exp(-rate * expected_excess(grid, d_sample))
    return float(np.trapezoid(surv, grid)) if d_min < upper else d_min


def calibrate_recruiting(
    cal: Calibration,
    reqs: list[RequisitionRecord],
    values: dict[str, Any],
    sources: dict[str, str],
    file: str,
    families: bool,
) -> None:
    rec = values["recruiting"]
    as_of = cal.as_of

    # Time to fill: opened -> offer accepted; cancelled and open requisitions censored.
    t, obs = [], []
    for q in reqs:
        if q.filled is not None:
            t.append((q.filled - q.opened).days)
            obs.append(True)
        else:
            t.append(((q.cancelled or as_of) - q.opened).days)
            obs.append(False)
    t_arr, obs_arr = np.asarray(t, dtype=float), np.asarray(obs, dtype=bool)
    n_filled = int(obs_arr.sum())
    if n_filled == 0:
        cal.warnings.append("no filled requisitions: time to fill cannot be fitted")
        return
    fams = fit_families(t_arr, obs_arr, include_funnel=True, parametric=families)
    km = kaplan_meier(t_arr, obs_arr)
    observed_mean = restricted_mean(km, float(t_arr.max()))
    cal.time_to_fill_observed_mean = observed_mean
    cal.time_to_fill = DurationFit(
        "time to fill",
        n_filled,
        int((~obs_arr).sum()),
        mean_estimate(t_arr[obs_arr]),
        fams,
        fams[0].distribution or {},
        fams[0].family,
    )

    # Proportions: pass rates per stage, offer acceptance, no-show.
    entering_col = "applicants"
    for i, stage in enumerate(rec["stages"]):
        col = f"{stage['name']}_passed"
        pairs = [
            (q.counts[entering_col], q.counts[col])
            for q in reqs
            if q.counts.get(entering_col) is not None and q.counts.get(col) is not None
        ]
        entering_col = col
        if not pairs:
            continue
        n = sum(a for a, _ in pairs)
        k = sum(b for _, b in pairs)
        if n == 0 or k == 0:
            cal.warnings.append(f"stage {stage['name']!r}: no candidates passed; base kept")
            continue
        est = proportion(k, n)
        cal.pass_rates[stage["name"]] = est
        rec["stages"][i]["pass_rate"] = rounded(est.value)
        if n < MIN_PROPORTION_TRIALS:
            cal.warnings.append(f"stage {stage['name']!r} pass rate from only {n} candidates")
    offers = [(q.offers_made, q.offers_accepted) for q in reqs if q.offers_made is not None]
    offers = [(m, a) for m, a in offers if a is not None]
    if offers:
        n = sum(m for m, _ in offers)
        k = sum(a for _, a in offers)
        if k > 0:
            est = proportion(k, n)
            cal.offer_acceptance = est
            rec["offer_acceptance"] = rounded(est.value)
            replace_source(
                sources, "recruiting.offer_acceptance", fitted_label(file, est, "offers")
            )
    decided = [q for q in reqs if q.no_show is True or q.start is not None]
    if decided:
        k = sum(1 for q in decided if q.no_show)
        est = proportion(k, len(decided))
        if est.value < 1:
            cal.no_show = est
            rec["no_show"] = rounded(est.value)
            replace_source(
                sources, "recruiting.no_show", fitted_label(file, est, "accepted offers")
            )

    # Candidate notice: offer accepted -> start; pending starts censored at the as-of date.
    notice_t, notice_obs = [], []
    for q in reqs:
        if q.start is not None:
            notice_t.append((q.start - q.filled).days)
            notice_obs.append(True)
        elif q.filled is not None and not q.no_show:
            notice_t.append((as_of - q.filled).days)
            notice_obs.append(False)
    if any(notice_obs):
        fit = fit_duration("candidate notice", np.array(notice_t, float), np.array(notice_obs))
        cal.candidate_notice = fit
        rec["candidate_notice"] = fit.chosen
        replace_source(
            sources,
            "recruiting.candidate_notice",
            f"fitted from {file}, n = {fit.n} starts ({fit.censored} pending), "
            f"{fit.chosen_family} chosen by AIC; mean {fit.mean.value:.3g} days, "
            f"95% CI {fit.mean.low:.3g}-{fit.mean.high:.3g} (t)",
        )

    # Stage durations, when the records carry them.
    keys = [(f"{s['name']}_days", i) for i, s in enumerate(rec["stages"])] + [("offer_days", -1)]
    for col, i in keys:
        sample = np.array([q.stage_days[col] for q in reqs if q.stage_days.get(col) is not None])
        if len(sample) == 0:
            continue
        fit = fit_duration(col, sample)
        cal.stage_durations[col] = fit
        if i >= 0:
            rec["stages"][i]["duration"] = fit.chosen
        else:
            rec["offer_duration"] = fit.chosen
    _map_funnel(cal, rec, sources, t_arr, obs_arr, file)


def _map_funnel(
    cal: Calibration,
    rec: dict[str, Any],
    sources: dict[str, str],
    t: np.ndarray,
    obs: np.ndarray,
    file: str,
) -> None:
    """Fit the accepting-finalist rate given the funnel time D, then applicants per week.

    Works on a copy of ``rec`` and commits it only when the rate can be fitted.
    """
    import copy

    target, rec = rec, copy.deepcopy(rec)
    n_filled = int(obs.sum())
    if cal.stage_durations:
        d_sample = funnel_time_sample(rec)
        cal.funnel_time = (
            "stage durations fitted from the records (base profile for the others); the "
            "accepting-finalist rate is their MLE given D"
        )
        parts = []
        for col, fit in cal.stage_durations.items():
            parts.append(f"{col}: {fit.chosen_family} (n = {fit.n})")
        stage_label = f"durations fitted from {file} by AIC: " + ", ".join(parts)
    else:
        shift = float(t[obs].min())
        specs = [s["duration"] for s in rec["stages"]] + [rec["offer_duration"]]
        from pydantic import TypeAdapter

        from botsim.inputs.distributions import Distribution

        adapter = TypeAdapter(Distribution)
        means = np.array([adapter.validate_python(s).mean for s in specs])
        weights = means / means.sum() if means.sum() > 0 else np.eye(len(means))[-1]
        for spec_i, w in enumerate(weights):
            value = {"dist": "fixed", "value": rounded(shift * float(w))}
            if spec_i < len(rec["stages"]):
                rec["stages"][spec_i]["duration"] = value
            else:
                rec["offer_duration"] = value
        d_sample = np.array([shift])  # the MLE itself, not its 4-digit rounded split
        cal.funnel_time = (
            f"fixed funnel time {shift:g} days (MLE: the shortest observed time to fill), split "
            "over the stages in proportion to the base profile's mean durations"
        )
        stage_label = (
            f"durations fitted from {file}, n = {n_filled} filled requisitions: the fixed funnel "
            f"time {shift:g} days (shortest time to fill, the MLE of the shift) split in "
            f"proportion to base {cal.base!r} stage means"
        )
    excess = float(expected_excess(t, d_sample).sum())
    if excess <= 0:
        cal.warnings.append(
            "time to fill never exceeds the funnel time: applicants_per_week and the funnel "
            f"time are kept from base {cal.base!r}"
        )
        if cal.stage_durations:
            _stage_sources(cal, rec, sources, stage_label, file)
            target.update(rec)
        elif cal.pass_rates:  # the shift split is dropped; durations stay the base's
            old = sources.get("recruiting.stages", "")
            _stage_sources(cal, target, sources, f"durations from base {cal.base!r}: {old}", file)
        return
    if n_filled < MIN_PROPORTION_TRIALS:
        cal.warnings.append(f"time to fill from only {n_filled} filled requisitions")
    impossible = int((t[obs] < float(d_sample.min())).sum())
    if impossible:
        cal.warnings.append(
            f"{impossible} requisition(s) filled faster than the shortest possible funnel time; "
            "the stage durations do not fit the time to fill"
        )
    rate = n_filled / excess
    low, high = poisson_rate_interval(n_filled, excess)
    if cal.stage_durations and cal.time_to_fill is not None:
        # The funnel with random D is its own family: log L = sum log(rate F_D(t)) - rate sum G.
        d_sorted = np.sort(d_sample)
        cdf = np.searchsorted(d_sorted, t[obs], side="right") / len(d_sorted)
        with np.errstate(divide="ignore"):
            ll = float(n_filled * math.log(rate) + np.log(cdf).sum() - rate * excess)
        funnel = FamilyFit(
            "funnel", {"rate": rate, "mean_funnel_time": float(d_sample.mean())}, ll, 1, None
        )
        fams = sorted(
            [f for f in cal.time_to_fill.families if f.family != "funnel"] + [funnel],
            key=lambda f: f.aic,
        )
        cal.time_to_fill = dataclasses.replace(
            cal.time_to_fill, families=fams, chosen_family=fams[0].family
        )
    cal.finalist_rate = Estimate(rate, low, high, n_filled, "exact Poisson")

    # applicants_per_week = 7 rate / (prod p * q): widen on the log scale for fitted p and q.
    pass_prod = math.prod(s["pass_rate"] for s in rec["stages"])
    q = rec["offer_acceptance"]
    apw = 7 * rate / (pass_prod * q)
    z = _st.norm.ppf(0.5 + CONFIDENCE / 2)
    extra = 0.0
    fitted_props = [*cal.pass_rates.values()]
    if cal.offer_acceptance is not None:
        fitted_props.append(cal.offer_acceptance)
    for est in fitted_props:
        extra += (1 - est.value) / (est.n * est.value)  # var(log p_hat), delta method
    lo_log = math.sqrt(math.log(rate / low) ** 2 + z * z * extra) if low > 0 else math.inf
    hi_log = math.sqrt(math.log(high / rate) ** 2 + z * z * extra)
    method = "exact Poisson" + (", delta method for fitted proportions" if fitted_props else "")
    cal.applicants_per_week = Estimate(
        apw, apw * math.exp(-lo_log), apw * math.exp(hi_log), n_filled, method
    )
    rec["applicants_per_week"] = rounded(apw)
    cal.model_mean_time_to_fill = model_mean_time_to_fill(rate, d_sample)

    fam = cal.time_to_fill.families if cal.time_to_fill else []
    aic_text = ", ".join(f"{f.family} {f.aic:.1f}" for f in fam)
    best = fam[0].family if fam else "funnel"
    if fam and best != "funnel":
        funnel_aic = next((f.aic for f in fam if f.family == "funnel"), math.inf)
        if math.isfinite(funnel_aic) and funnel_aic - fam[0].aic > 10:
            cal.warnings.append(
                f"time to fill is better described by {best} (AIC {funnel_aic - fam[0].aic:.0f} "
                "lower than the funnel's); the fitted funnel reproduces its mean, not its shape"
            )
    fixed_part = "" if cal.stage_durations else " fixed"
    replace_source(
        sources,
        "recruiting.applicants_per_week",
        f"fitted from {file}, n = {n_filled} filled requisitions "
        f"({int((~obs).sum())} censored), 95% CI {cal.applicants_per_week.low:.3g}-"
        f"{cal.applicants_per_week.high:.3g} ({method}): accepting-finalist rate "
        f"{rate:.4g}/day (MLE given the{fixed_part} funnel time) / (pass rates x offer "
        f"acceptance) x 7; time-to-fill families by AIC: {aic_text}; best {best}",
    )
    _stage_sources(cal, rec, sources, stage_label, file)
    if "offer_days" in cal.stage_durations or not cal.stage_durations:
        replace_source(
            sources, "recruiting.offer_duration", "part of the funnel time, see recruiting.stages"
        )
    target.update(rec)


def _stage_sources(
    cal: Calibration, rec: dict[str, Any], sources: dict[str, str], stage_label: str, file: str
) -> None:
    stage_sources = [stage_label]
    for stage in rec["stages"]:
        est = cal.pass_rates.get(stage["name"])
        if est is not None:
            stage_sources.append(
                f"{stage['name']} pass rate " + fitted_label(file, est, "candidates")
            )
    if len(cal.pass_rates) < len(rec["stages"]):
        old = sources.get("recruiting.stages", "")
        which = "other pass rates" if cal.pass_rates else "pass rates"
        stage_sources.append(f"{which} from base {cal.base!r}: {old}")
    replace_source(sources, "recruiting.stages", "; ".join(stage_sources))
