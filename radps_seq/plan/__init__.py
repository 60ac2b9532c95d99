"""Plans, the guard that checks them, and the sequencers that propose them."""

from radps_seq.plan.base import BaseSequencer, NotFittedError, PlanContext, Sequencer
from radps_seq.plan.guard import Violation, accept, check, guarded_replan, repair
from radps_seq.plan.plan import CheckedPlan, Plan, PlanError
from radps_seq.plan.sequencers import (
    available_sequencers,
    get_sequencer,
    register_sequencer,
)

__all__ = [
    "BaseSequencer",
    "CheckedPlan",
    "NotFittedError",
    "Plan",
    "PlanContext",
    "PlanError",
    "Sequencer",
    "Violation",
    "accept",
    "available_sequencers",
    "check",
    "get_sequencer",
    "guarded_replan",
    "register_sequencer",
    "repair",
]
