"""The learned planner, self-contained: its features, models and model store live here.

- :mod:`.features` — what a model may know about a job when the plan is made;
- :mod:`.models` — the runtime and skip models and the bundle that is saved and loaded;
- :mod:`.model_store` — the MLflow model format (save, log, load);
- :mod:`.sequencer` — :class:`LearnedSequencer` (``learned-static``), the plan made before
  anything runs;
- :mod:`.replanning` — :class:`ReplanningLearnedSequencer` (``learned``), which re-plans
  as jobs finish.

Nothing here imports :mod:`radps_seq.experiments`; experiments import this package.
"""

from radps_seq.plan.sequencers.learned.replanning import ReplanningLearnedSequencer
from radps_seq.plan.sequencers.learned.sequencer import (
    DEFAULT_SKIP_THRESHOLD,
    LearnedSequencer,
    target_chains,
)

__all__ = [
    "DEFAULT_SKIP_THRESHOLD",
    "LearnedSequencer",
    "ReplanningLearnedSequencer",
    "target_chains",
]
