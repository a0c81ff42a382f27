"""Durations fitted by maximum likelihood (right-censoring allowed) over the distribution
families the schema supports, the family chosen by AIC; returned in the schema's own form."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from botsim.calibrate.estimates import Estimate, mean_estimate
from botsim.calibrate.result import rounded


@dataclass(frozen=True)
class FamilyFit:
    """Maximum-likelihood fit of one distribution family to (censored) durations."""

    family: str
    params: dict[str, float]
    loglik: float
    k: int
    distribution: dict[str, Any] | None  # schema form, None for non-schema families

    @property
    def aic(self) -> float:
        return 2 * self.k - 2 * self.loglik

    def describe(self) -> str:
        return f"{self.family}(" + ", ".join(f"{k}={v:.4g}" for k, v in self.params.items()) + ")"


def _loglik(dist, events: np.ndarray, censored: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        ll = float(np.sum(dist.logpdf(events)) + np.sum(dist.logsf(censored)))
    return ll if math.isfinite(ll) else -math.inf


def fit_families(
    times: np.ndarray, observed: np.ndarray, include_funnel: bool = False, parametric: bool = True
) -> list[FamilyFit]:
    """MLE of every supported family (right-censored data allowed), best AIC first.

    Families: exponential, lognormal, triangular, uniform (the schema's continuous families;
    ``fixed`` has no density and ``empirical`` is not a parametric family) and, for time to
    fill, ``funnel``: a fixed funnel time plus an exponential wait (a shifted exponential),
    which is the time-to-fill distribution the recruiting model produces with fixed durations.
    """
    t = np.asarray(times, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    ev, cen = t[obs], t[~obs]
    fits: list[FamilyFit] = []
    n_ev = len(ev)
    if n_ev == 0:
        return fits
    total = float(t.sum())
    if total > 0:
        rate = n_ev / total
        ll = n_ev * math.log(rate) - rate * total
        fits.append(
            FamilyFit("exponential", {"mean": 1 / rate}, ll, 1, _dist("exponential", 1 / rate))
        )
    if include_funnel:
        shift = float(ev.min())
        wait = float(np.clip(t - shift, 0, None).sum())
        if wait > 0:
            rate = n_ev / wait
            ll = n_ev * math.log(rate) - rate * wait
            fits.append(FamilyFit("funnel", {"shift": shift, "mean_wait": 1 / rate}, ll, 2, None))
    if not parametric:
        return sorted(fits, key=lambda f: f.aic)
    data = _st.CensoredData(uncensored=ev, right=cen) if len(cen) else ev
    if (ev > 0).all() and n_ev >= 2 and ev.std() > 0:
        try:
            s, _, scale = _st.lognorm.fit(data, floc=0)
            dist = _st.lognorm(s, 0, scale)
            mean, sd = float(dist.mean()), float(dist.std())
            fits.append(
                FamilyFit(
                    "lognormal",
                    {"mean": mean, "sd": sd},
                    _loglik(dist, ev, cen),
                    2,
                    _dist("lognormal", mean, sd),
                )
            )
        except (ValueError, RuntimeError, FloatingPointError):
            pass
    if n_ev >= 3 and ev.std() > 0:
        for name in ("triangular", "uniform"):
            fit = _fit_bounded(name, ev, cen)
            if fit is not None:
                fits.append(fit)
    return sorted(fits, key=lambda f: f.aic)


def _triangular_loglik(a: float, c: float, b: float, ev: np.ndarray, cen: np.ndarray) -> float:
    if not (a <= c <= b and b > a):
        return -math.inf
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        left = ev < c
        dens = np.where(left, 2 * (ev - a) / (width * (c - a)), 2 * (b - ev) / (width * (b - c)))
        if np.any(~np.isfinite(dens)) or np.any(dens <= 0) or np.any((ev < a) | (ev > b)):
            return -math.inf
        ll = float(np.log(dens).sum())
        if len(cen):
            cc = np.clip(cen, a, b)
            surv = np.where(
                cc < c, 1 - (cc - a) ** 2 / (width * (c - a)), (b - cc) ** 2 / (width * (b - c))
            )
            if np.any(~np.isfinite(surv)) or np.any(surv <= 0):
                return -math.inf
            ll += float(np.log(surv).sum())
    return ll


def _fit_bounded(name: str, ev: np.ndarray, cen: np.ndarray) -> FamilyFit | None:
    """MLE of the uniform and triangular families (bounded support) with right-censoring."""
    from scipy.optimize import minimize, minimize_scalar

    lo_ev, hi_ev = float(ev.min()), float(ev.max())
    hi_all = max(hi_ev, float(cen.max()) if len(cen) else hi_ev)
    spread = max(hi_all - lo_ev, 1.0)
    if name == "uniform":
        # low = shortest event (MLE); high maximises the likelihood over b >= every value.
        a = lo_ev

        def ll_u(b: float) -> float:
            if b <= a or b < hi_ev or (len(cen) and b <= float(cen.max())):
                return -math.inf
            kept = np.maximum(cen, a)
            return -len(ev) * math.log(b - a) + float(np.log((b - kept) / (b - a)).sum())

        b = hi_ev
        if len(cen):
            floor_b = max(hi_ev, float(cen.max()) * (1 + 1e-9) + 1e-9)
            res = minimize_scalar(
                lambda x: -ll_u(x), bounds=(floor_b, floor_b + 10 * spread), method="bounded"
            )
            b = float(res.x) if ll_u(float(res.x)) >= ll_u(floor_b) else floor_b
        ll = ll_u(b)
        params, k = {"low": a, "high": b}, 2
    else:
        eps = 1e-6 * spread

        def unpack(u: np.ndarray) -> tuple[float, float, float]:
            a = lo_ev - eps - math.exp(u[0]) * spread
            b = hi_all + eps + math.exp(u[1]) * spread
            c = a + (b - a) / (1 + math.exp(-u[2]))
            return a, c, b

        def nll_t(u: np.ndarray) -> float:
            a, c, b = unpack(u)
            ll = _triangular_loglik(a, c, b, ev, cen)
            return -ll if math.isfinite(ll) else 1e300

        best = None
        for u2 in (-3.0, 0.0, 3.0):
            res = minimize(
                nll_t,
                np.array([-3.0, -1.0, u2]),
                method="Nelder-Mead",
                options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000},
            )
            if best is None or res.fun < best.fun:
                best = res
        a, c, b = unpack(best.x)
        if a < 0:  # the schema needs non-negative bounds: refit with low pinned at 0
            return None
        ll = _triangular_loglik(a, c, b, ev, cen)
        params, k = {"low": a, "mode": c, "high": b}, 3
    if not math.isfinite(ll):
        return None
    return FamilyFit(name, params, ll, k, _dist(name, *params.values()))


def _dist(family: str, *values: float) -> dict[str, Any]:
    v = [rounded(x) for x in values]
    if family == "fixed":
        return {"dist": "fixed", "value": v[0]}
    if family == "exponential":
        return {"dist": "exponential", "mean": v[0]}
    if family == "lognormal":
        return {"dist": "lognormal", "mean": v[0], "sd": v[1]}
    if family == "uniform":
        return {"dist": "uniform", "low": v[0], "high": v[1]}
    low, mode, high = v
    return {"dist": "triangular", "low": low, "mode": min(max(mode, low), high), "high": high}


@dataclass(frozen=True)
class DurationFit:
    """A duration fitted from data: the chosen schema distribution and the family table."""

    what: str
    n: int
    censored: int
    mean: Estimate
    families: list[FamilyFit]
    chosen: dict[str, Any]
    chosen_family: str


FIXED_TOLERANCE_DAYS = 1.0
"""Durations from whole-day dates: all values within +-1 day of the median count as fixed."""


def fit_duration(what: str, times: np.ndarray, observed: np.ndarray | None = None) -> DurationFit:
    """Fit a duration over the schema families by AIC; ``fixed`` when values differ <= 1 day."""
    t = np.asarray(times, dtype=float)
    obs = np.ones(len(t), dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    ev = t[obs]
    mean = mean_estimate(ev)
    median = float(np.median(ev))
    if np.all(np.abs(ev - median) <= FIXED_TOLERANCE_DAYS) and np.all(t[~obs] <= median + 1):
        chosen = _dist("fixed", median)
        return DurationFit(what, len(ev), int((~obs).sum()), mean, [], chosen, "fixed")
    families = [f for f in fit_families(t, obs) if f.distribution is not None]
    if not families:
        chosen = _dist("fixed", median)
        return DurationFit(what, len(ev), int((~obs).sum()), mean, [], chosen, "fixed")
    return DurationFit(
        what,
        len(ev),
        int((~obs).sum()),
        mean,
        families,
        families[0].distribution,
        families[0].family,
    )
