"""The workforce mechanism: hire -> work -> exit (docs/model.md, "Attrition").

Each employee's tenure is a process: exit candidates are drawn from the dominating hazard of
:mod:`botsim.model.hazards` and thinned by the live voluntary multiplier (overload, transfer
window); a hire still employed at the end of probation fails it with ``failure_probability``;
resignations are followed by the notice period (the seat stays filled), except the
``no_notice_share`` who walk out (AWOL). Every exit of an agent is backfilled (at notice or at
exit, by policy) unless a plan reduction left surplus seats, which the exit absorbs instead
(frozen backfill); what natural attrition has not absorbed by the end of the location's
layoff notice is laid off, last in first out (docs/model.md, "Ramp-down and layoffs"). A
lead's exit reopens the lead gap.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from botsim.inputs.scenario import DAYS_PER_MONTH, MONTHS_PER_YEAR, Scenario
from botsim.model import tasks
from botsim.model.hazards import exit_tenure
from botsim.model.records import LEAD, TEAM_FULL, ExitKind, RequisitionReason
from botsim.model.tasks import start

if TYPE_CHECKING:
    from botsim.model.desk import RoleDesk
    from botsim.model.engagement import Engagement

HIRE_DRAW_BLOCK = 16
"""Attrition draws taken from the role's stream at each hire (so the k-th hire always gets the
k-th block): the probation draw and 4 per exit candidate, enough for three candidates; the rare
hire with more candidates continues on a stream of its own (``more_hire_draws``)."""

HIRE_BLOCKS_AHEAD = 16
"""Hires' blocks drawn from the attrition stream at once (one numpy call serves 16 hires). The
k-th hire still gets the k-th block of HIRE_DRAW_BLOCK draws: the stream's values are the same
however many are drawn per call."""

EXIT_CANDIDATE_DRAWS = 4
"""Draws per exit candidate: its hazard budget (as an Exp(1) by inversion), then the uniforms
deciding its kind, its thinning and a walk-out."""


def voluntary_bound(scenario: Scenario) -> float:
    """m_max, the bound on the voluntary-hazard multiplier m(t) that exit candidates are drawn
    under (thinning, :mod:`botsim.model.hazards`): overload x the largest transfer-phase
    multiplier (handover window or Owned phase; neither without a transfer) x the largest
    seasonal resignation multiplier above 1 (with a start date)."""
    mgmt, transfer = scenario.management, scenario.transfer
    overload = mgmt.overload.attrition_multiplier if mgmt else 1.0
    overload *= seasonal_resignation_bound(scenario)
    if transfer.policy == "never":
        return overload
    return overload * max(transfer.attrition_multiplier, transfer.owned_attrition_multiplier)


def seasonal_resignations(scenario: Scenario) -> bool:
    """Whether a location's seasonal resignation multipliers are in force (a start date and
    a month's multiplier other than 1)."""
    return scenario.start_date is not None and any(
        loc.seasonality.resignation is not None and any(v != 1 for v in loc.seasonality.resignation)
        for loc in scenario.locations
    )


def seasonal_resignation_bound(scenario: Scenario) -> float:
    """The largest seasonal resignation multiplier above 1 of any location (1 without)."""
    if not seasonal_resignations(scenario):
        return 1.0
    return max(1.0, *(loc.seasonality.largest("resignation") for loc in scenario.locations))


class Workforce:
    """Hires, tenures and exits of an engagement's employees; the team-full milestone and the
    month's staff flows reported at each month-end."""

    def __init__(self, engagement: Engagement) -> None:
        scenario = engagement.scenario
        self.engagement = engagement
        self.env, self.recorder, self.desks = engagement.env, engagement.recorder, engagement.desks
        self.streams = engagement.streams
        mgmt, transfer = scenario.management, scenario.transfer
        self.overload_multiplier = mgmt.overload.attrition_multiplier if mgmt else 1.0
        transfers = transfer.policy != "never"
        self.window_multiplier = transfer.attrition_multiplier if transfers else 1.0
        self.owned_multiplier = transfer.owned_attrition_multiplier if transfers else 1.0
        self.max_multiplier = voluntary_bound(scenario)
        # Thinning is needed when m(t) can differ from m_max: m_max > 1, or an Owned phase
        # that lowers the hazard below 1 (with neither, no candidate is ever rejected).
        self.seasons = seasonal_resignations(scenario)  # issue 17: by calendar month
        self.thinning = self.max_multiplier > 1 or self.owned_multiplier < 1 or self.seasons
        self.calendar_offset = scenario.calendar_month(0) or 0
        self.backfill_on_notice = scenario.policy.backfill == "on_notice"
        self.tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
        self.full_day = math.inf  # the first moment the team was full
        self.full_team_seats = scenario.stability.full_team_seats
        # Flows within the current month (reset by month_flows).
        self.hires = self.exits = self.attrition_exits = self.tenured_exits = 0

    def month_flows(self) -> tuple[int, int, int, int]:
        """Agents hired, agents who left (with and without promotions to lead) and tenured
        staff who left since the last call."""
        flows = self.hires, self.exits, self.attrition_exits, self.tenured_exits
        self.hires = self.exits = self.attrition_exits = self.tenured_exits = 0
        return flows

    def voluntary_multiplier(self, desk: RoleDesk) -> float:
        """m(t): current multiplier of the voluntary hazard (overload x transfer window, or
        x the Owned phase's multiplier once the transfer is complete)."""
        engagement = self.engagement
        m = 1.0
        if engagement.management.overloaded(desk):
            m *= self.overload_multiplier
        transfer = engagement.transfer
        if transfer.in_window:
            m *= self.window_multiplier
        elif transfer.done_day <= self.env.now:
            m *= self.owned_multiplier
        if self.seasons:
            months = desk.location.seasonality.resignation
            if months is not None:
                month = self.calendar_offset + int(self.env.now // DAYS_PER_MONTH)
                m *= months[month % MONTHS_PER_YEAR]
        return m

    def hire(self, desk: RoleDesk, req_id: int, lead: bool) -> int:
        """Record a hire and seat them; the calling process goes on as their tenure (``working``).

        Continuing in the same task rather than starting one per hire spares a task (generator
        and driver) per hire; ``working`` draws and schedules exactly what a new task would have
        at its start, the same moment of simulated time.
        """
        employee_id = self.engagement.new_id()
        self.recorder.hired(self.env.now, employee_id, desk.index, LEAD if lead else "", req_id)
        (desk.leads if lead else desk.agents)[employee_id] = self.env.now
        desk.tenures[employee_id] = tasks.current()  # the process that goes on as `working`
        if not lead:
            self.hires += 1
            self.note_if_full()
        return employee_id

    def note_if_full(self) -> None:
        """Keep the first moment the agents reach the full-team seats of the target in force
        (> 0): ceil(stability.full_team_fraction x target), the full team."""
        if self.full_day == math.inf:
            month = self.engagement.month_now()
            target = agents = 0
            for desk in self.desks:
                target += desk.target_at(month)
                agents += len(desk.agents)
            if target > 0 and agents >= self.full_team_seats(target):
                self.full_day = self.env.now
                self.recorder.record(self.env.now, TEAM_FULL, 0, -1)

    def working(self, desk: RoleDesk, employee_id: int):
        """An employee's tenure: resignation (with notice or walk-out), dismissal or probation.

        The k-th hire of a role takes the k-th block of attrition draws (``HIRE_DRAW_BLOCK``), so
        a change elsewhere (recruiting, say) that reorders hires and exits in time does not
        shift anyone's attrition draws: common random numbers stay aligned across scenarios.
        """
        env = self.env
        desk.hires += 1
        hire_number = desk.hires
        draws = desk.attrition_uniforms.take(HIRE_DRAW_BLOCK)
        hired = env.now
        agents, resigned = desk.agents, desk.resigned
        probation_days = desk.probation_days
        fails_probation = draws[0] < desk.probation_failure
        m_max, thinning = self.max_multiplier, self.thinning
        used = 1
        tenure = 0.0
        while True:
            if used + EXIT_CANDIDATE_DRAWS > len(draws):
                self.more_hire_draws(desk, hire_number, draws, used + EXIT_CANDIDATE_DRAWS)
            budget_u, kind_u, thin_u, walkout_u = draws[used : used + EXIT_CANDIDATE_DRAWS]
            used += EXIT_CANDIDATE_DRAWS
            candidate, band = exit_tenure(desk.exit_bands, tenure, -math.log1p(-budget_u))
            if fails_probation and tenure < probation_days < candidate:
                yield hired + probation_days - env.now
                self.leave(desk, employee_id, ExitKind.PROBATION)
                return
            if math.isinf(candidate):
                return
            yield hired + candidate - env.now
            tenure = candidate
            if kind_u >= desk.voluntary_shares[band]:
                self.leave(desk, employee_id, ExitKind.DISMISSAL)
                return
            if thinning and thin_u * m_max >= self.voluntary_multiplier(desk):
                continue  # thinning: the raised hazard did not apply at this moment
            if walkout_u < desk.walkout_share:
                self.leave(desk, employee_id, ExitKind.WALKOUT)
                return
            # Resignation with notice.
            self.recorder.resigned(env.now, employee_id, desk.index)
            resigned.add(employee_id)
            desk.agents_in_notice += employee_id in agents
            if self.backfill_on_notice:
                self.backfill(desk, employee_id)
            yield desk.notice_days
            self.leave(
                desk, employee_id, ExitKind.RESIGNATION, backfill=not self.backfill_on_notice
            )
            return

    def more_hire_draws(self, desk: RoleDesk, hire_number: int, draws: list, count: int) -> None:
        """Extend a hire's draws to ``count`` from the hire's own stream (past the block)."""
        key = (desk.location.name, desk.role.name, "hire", str(hire_number))
        extra = self.streams.stream("attrition", *key)
        while len(draws) < count:
            draws.append(float(extra.random()))

    def leave(
        self, desk: RoleDesk, employee_id: int, kind: ExitKind, backfill: bool = True
    ) -> None:
        """An employee leaves the team (or, ``promoted``, their agent seat)."""
        self.recorder.exited(self.env.now, employee_id, desk.index, kind)
        was_lead = employee_id in desk.leads
        started = desk.leads.pop(employee_id) if was_lead else desk.agents.pop(employee_id)
        tenure = desk.tenures.pop(employee_id)
        if tenure is not tasks.current():  # promoted or declined the transfer: stop the tenure
            tenure.cancel()
        desk.promoting.discard(employee_id)
        if employee_id in desk.resigned:
            desk.resigned.discard(employee_id)
            desk.agents_in_notice -= not was_lead
        if not was_lead:
            self.exits += 1
            self.attrition_exits += kind != ExitKind.PROMOTED and kind != ExitKind.LAYOFF
        self.tenured_exits += self.env.now - started >= self.tenured_days
        if backfill and not was_lead:
            self.backfill(desk, employee_id)
        if was_lead:
            self.engagement.management.staff_leads(desk.team)

    def backfill(self, desk: RoleDesk, employee_id: int) -> None:
        """Replace a leaving employee: a new requisition for an agent, the lead gap for a lead."""
        if employee_id in desk.leads:
            self.engagement.management.staff_leads(desk.team, leaving=1)
        elif desk.surplus:
            desk.surplus -= 1  # frozen backfill: the exit absorbs a seat the plan removed
        else:
            self.engagement.recruitment.open_requisition(desk, RequisitionReason.BACKFILL)

    # -- ramp-down -------------------------------------------------------------------------

    def reduce(self, desk: RoleDesk, seats: int) -> None:
        """A plan step lowers the role's target by ``seats``: backfills freeze until exits
        have absorbed them; the rest are laid off after the location's layoff notice."""
        desk.surplus += seats
        start(self.env, self.layoffs(desk, seats))

    def restore(self, desk: RoleDesk, seats: int) -> int:
        """A plan step raises the target by ``seats`` while seats are still to be removed:
        those are kept instead; returns the new seats left to recruit for."""
        kept = min(desk.surplus, seats)
        desk.surplus -= kept
        return seats - kept

    def layoffs(self, desk: RoleDesk, seats: int):
        """After the layoff notice, lay off the reduction's seats that natural attrition has not
        absorbed (at most ``seats``): the agents hired last (``policy.layoff_rule``), among
        those not already leaving or being promoted."""
        yield desk.layoff_notice_days
        count = min(seats, desk.surplus)
        leaving = desk.resigned | desk.promoting
        staying = [(day, i) for i, day in desk.agents.items() if i not in leaving]
        staying.sort(reverse=True)  # last in first (a later id breaks a tie)
        for _, employee_id in staying[:count]:
            desk.surplus -= 1
            self.leave(desk, employee_id, ExitKind.LAYOFF, backfill=False)
