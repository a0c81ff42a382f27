"""The floor: a minimal hand-written SimPy model of the Manila scenario's core.

What a competent engineer would write by hand for ``scenarios/manila-finance-20.yaml`` alone,
without botsim's generality (no schema objects in the loop, no event records, one role, one
location): the same mechanisms and the same random draws per mechanism, so its cost is the cost
of the simulation itself.

* Recruiter slots are a ``simpy.Resource`` (recruiters x requisitions per recruiter).
* The funnel search is the model of ``botsim.model.recruiting.search_candidates``: finalists
  arrive as a thinned Poisson stream, each answers after the stage and offer durations and
  accepts with the offer-acceptance probability; the search ends at the earliest accepting
  answer. Then the candidate's notice, and a no-show reopens the requisition. The floor calls
  the generator once per draw, as one writes it by hand; botsim reads the
  same distributions from uniforms drawn in blocks (``botsim.model.random.UniformBlocks``), which
  makes its searches about 3x cheaper than these.
* Exits: piecewise-constant hazard over tenure bands (competing voluntary / involuntary),
  probation failure, walk-outs without notice, resignation notice; backfill on notice.
* Month-end headcount and effective FTE (linear ramp) are computed at the end with numpy.

The numbers are read once from the loaded scenario (:meth:`FloorParams.from_scenario`) so the
floor follows the profile; the model itself sees only floats and tuples. Its results agree with
botsim's in distribution (not draw for draw: it uses one generator, not botsim's stream tree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from botsim.inputs.distributions import Fixed, Triangular
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, Scenario


@dataclass(frozen=True)
class FloorParams:
    """The Manila scenario reduced to the numbers the floor model needs (days, per-day rates)."""

    horizon_days: float
    horizon_months: int
    target: int
    recruiter_slots: int
    finalist_rate: float  # finalists per day per actively worked requisition
    fixed_funnel_days: float  # sum of the fixed stage / offer durations
    triangular_funnel_days: tuple[tuple[float, float, float], ...]  # (low, mode, high) each
    offer_acceptance: float
    candidate_notice_days: float
    no_show: float
    band_starts: tuple[float, ...]  # tenure days
    voluntary: tuple[float, ...]  # per day
    involuntary: tuple[float, ...]  # per day
    probation_days: float
    probation_failure: float
    walkout_share: float
    notice_days: float
    training_days: float
    ramp_days: float

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> FloorParams:
        """Read the Manila-shaped scenario: one role, one location, turnover-ratio attrition."""
        (role,) = scenario.roles
        loc = scenario.location(role.location)
        rec, attrition, ramp = loc.recruiting, loc.attrition, scenario.ramp_for(role)
        if attrition.definition != "turnover_ratio" or ramp.shape != "linear":
            raise ValueError("the floor models turnover-ratio attrition and a linear ramp only")
        if scenario.policy.backfill != "on_notice" or scenario.policy.training_classes:
            raise ValueError("the floor models backfill on notice without training classes only")
        if len(role.plan) != 1 or role.plan[0].month != 0:
            raise ValueError("the floor models one plan step at month 0 only")
        durations = [rec.offer_duration, *(stage.duration for stage in rec.stages)]
        if not all(isinstance(d, Fixed | Triangular) for d in durations):
            raise ValueError("the floor models fixed and triangular funnel durations only")
        if not isinstance(rec.candidate_notice, Fixed):
            raise ValueError("the floor models a fixed candidate notice only")
        return cls(
            horizon_days=scenario.horizon_days,
            horizon_months=scenario.horizon_months,
            target=role.plan[0].headcount,
            recruiter_slots=rec.recruiters * rec.requisitions_per_recruiter,
            finalist_rate=rec.applicants_per_week / 7.0 * rec.finalist_probability,
            fixed_funnel_days=sum(d.value for d in durations if isinstance(d, Fixed)),
            triangular_funnel_days=tuple(
                (d.low, d.mode, d.high) for d in durations if isinstance(d, Triangular)
            ),
            offer_acceptance=rec.offer_acceptance,
            candidate_notice_days=rec.candidate_notice.value,
            no_show=rec.no_show,
            band_starts=tuple(b.from_month * DAYS_PER_MONTH for b in attrition.bands),
            voluntary=tuple(b.voluntary / DAYS_PER_YEAR for b in attrition.bands),
            involuntary=tuple(b.involuntary / DAYS_PER_YEAR for b in attrition.bands),
            probation_days=loc.probation.months * DAYS_PER_MONTH,
            probation_failure=loc.probation.failure_probability,
            walkout_share=attrition.no_notice_share,
            notice_days=loc.notice_days,
            training_days=ramp.training_days,
            ramp_days=ramp.ramp_days,
        )


class FloorTeam:
    """One replication: requisitions searched by recruiter slots, employees who leave."""

    def __init__(self, params: FloorParams, rng: np.random.Generator) -> None:
        self.p = params
        self.rng = rng
        self.env = simpy.Environment()
        self.recruiters = simpy.Resource(self.env, capacity=params.recruiter_slots)
        self.starts: list[float] = []
        self.exits: list[float] = []
        for _ in range(params.target):
            self.env.process(self.recruiting())

    def search_days(self) -> float:
        """Days until an offer is accepted (earliest answer of an accepting finalist)."""
        p, rng = self.p, self.rng
        best = math.inf
        arrival = 0.0
        while True:
            arrival += rng.exponential(1.0 / p.finalist_rate)
            if arrival >= best:
                return best
            answer = arrival + p.fixed_funnel_days
            for low, mode, high in p.triangular_funnel_days:
                answer += rng.triangular(low, mode, high)
            if rng.random() < p.offer_acceptance and answer < best:
                best = answer

    def exit_tenure(self) -> tuple[float, float]:
        """(tenure at resignation, tenure at exit) of a new hire; inf if never."""
        p, rng = self.p, self.rng
        budget = rng.exponential()
        u_kind, u_probation, u_walkout = rng.random(), rng.random(), rng.random()
        tenure, band = math.inf, len(p.band_starts) - 1
        for i, start in enumerate(p.band_starts):
            end = p.band_starts[i + 1] if i + 1 < len(p.band_starts) else math.inf
            rate = p.voluntary[i] + p.involuntary[i]
            if rate > 0 and budget <= (end - start) * rate:
                tenure, band = start + budget / rate, i
                break
            budget -= (end - start) * rate
        if tenure > p.probation_days and u_probation < p.probation_failure:
            return p.probation_days, p.probation_days
        if math.isinf(tenure):
            return tenure, tenure
        vol, inv = p.voluntary[band], p.involuntary[band]
        if u_kind >= vol / (vol + inv) or u_walkout < p.walkout_share:
            return tenure, tenure
        return tenure, tenure + p.notice_days

    def recruiting(self):
        env, p = self.env, self.p
        with self.recruiters.request() as slot:
            yield slot
            yield env.timeout(self.search_days())
        shows_up = self.rng.random() >= p.no_show
        yield env.timeout(p.candidate_notice_days)
        if shows_up:
            env.process(self.working())
        else:
            env.process(self.recruiting())

    def working(self):
        env = self.env
        self.starts.append(env.now)
        resign, leave = self.exit_tenure()
        if math.isinf(resign):
            self.exits.append(math.inf)
            return
        index = len(self.exits)
        self.exits.append(math.inf)
        yield env.timeout(resign)
        env.process(self.recruiting())  # backfill on notice
        if leave > resign:
            yield env.timeout(leave - resign)
        self.exits[index] = env.now

    def run(self) -> dict[str, np.ndarray]:
        """Run to the horizon; month-end headcount and effective FTE."""
        p = self.p
        self.env.run(until=p.horizon_days)
        ends = np.arange(1, p.horizon_months + 1) * DAYS_PER_MONTH
        start = np.asarray(self.starts)[:, None]
        leave = np.asarray(self.exits)[:, None]
        present = (start <= ends) & (ends < leave)
        share = np.clip((ends - start - p.training_days) / p.ramp_days, 0.0, 1.0)
        return {
            "headcount": present.sum(axis=0),
            "effective_fte": np.where(present, share, 0.0).sum(axis=0),
            "hires": np.asarray(len(self.starts)),
        }


def simulate_floor(params: FloorParams, seed: int) -> dict[str, np.ndarray]:
    """One replication of the floor model."""
    return FloorTeam(params, np.random.default_rng(seed)).run()
