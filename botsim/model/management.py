"""The management mechanism: team leads per span of control, promotion or external hiring,
and overload (docs/model.md, "Management capacity").

Each lead team (the roles of one family in one location) needs ceil(planned agents / span)
leads (reference T9). A gap is filled by promoting the team's longest-tenured eligible agent
(after ``promotion_delay_days``) or by an external lead requisition, per ``lead_source``. A team
with more agents than span x leads is overloaded: its agents' voluntary hazard is raised (read
live by the workforce) and its ramp and output are cut (the month-end pipeline).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.model.lifecycle import overloaded
from botsim.model.records import ExitKind, RequisitionReason
from botsim.model.tasks import start

if TYPE_CHECKING:
    from botsim.model.desk import LeadTeam, RoleDesk
    from botsim.model.engagement import Engagement


class Management:
    """Team leads of an engagement's lead teams; does nothing without ``management``."""

    def __init__(self, engagement: Engagement) -> None:
        self.engagement = engagement
        self.env = engagement.env
        self.settings = engagement.scenario.management
        mgmt = self.settings
        # Only promotion-only lead staffing leaves a lead gap open to retry at the monthly
        # review: with an external fallback, staff_leads fills every gap the moment it opens
        # (it runs wherever one can: plan steps, a lead's exit or resignation, a failed
        # promotion).
        self.retry_monthly = mgmt is not None and mgmt.lead_source == "promotion"

    def overloaded(self, desk: RoleDesk) -> bool:
        """More agents in the desk's lead team than its leads can direct."""
        if self.settings is None:
            return False
        team = desk.team
        if len(team.desks) == 1:
            return overloaded(len(desk.agents), len(desk.leads), self.settings.span_of_control)
        return overloaded(team.agent_count(), team.lead_count(), self.settings.span_of_control)

    def leads_needed(self, team: LeadTeam) -> int:
        """ceil(planned agents / span) over the team's roles, reference T9."""
        return math.ceil(
            team.target_at(self.engagement.month_now()) / self.settings.span_of_control
        )

    def monthly_review(self) -> None:
        """Retry the lead gaps that promotion alone left open."""
        if self.retry_monthly:
            for team in self.engagement.teams:
                self.staff_leads(team)

    def staff_leads(self, team: LeadTeam, leaving: int = 0) -> None:
        """Fill the team's lead gaps by promotion (its longest-tenured eligible agent) or
        external hiring (through the first desk's requisitions)."""
        mgmt = self.settings
        if mgmt is None:
            return
        gap = self.leads_needed(team) - (team.lead_count() - leaving) - team.pending_leads
        if gap <= 0:
            return
        min_tenure = mgmt.promotion_min_tenure_months * DAYS_PER_MONTH
        for _ in range(gap):
            candidate = None
            if mgmt.lead_source != "external":
                eligible = [
                    (start, emp, i)
                    for i, desk in enumerate(team.desks)
                    for emp, start in desk.agents.items()
                    if self.env.now - start >= min_tenure
                    and emp not in desk.resigned
                    and emp not in desk.promoting
                ]
                candidate = min(eligible) if eligible else None
            if candidate is not None:
                _, agent_id, i = candidate
                desk = team.desks[i]
                team.pending_leads += 1
                desk.promoting.add(agent_id)
                start(self.env, self.promotion(desk, agent_id))
            elif mgmt.lead_source != "promotion":
                team.pending_leads += 1
                self.engagement.recruitment.open_requisition(
                    team.desks[0], RequisitionReason.LEAD, lead=True
                )

    def promotion(self, desk: RoleDesk, agent_id: int):
        """An agent promoted after the delay (unless they left or resigned meanwhile) works on
        as a lead; their agent seat is backfilled."""
        workforce = self.engagement.workforce
        yield self.settings.promotion_delay_days
        desk.team.pending_leads -= 1
        if agent_id in desk.agents and agent_id not in desk.resigned:
            workforce.leave(desk, agent_id, ExitKind.PROMOTED)
            yield from workforce.working(desk, workforce.hire(desk, -1, lead=True))
        else:
            desk.promoting.discard(agent_id)
            self.staff_leads(desk.team)
