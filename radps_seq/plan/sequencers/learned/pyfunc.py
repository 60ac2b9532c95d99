"""The MLflow ``pyfunc`` face of a learned model, so MLflow can load and serve it.

``predict`` takes rows of job features (the columns :func:`.features.job_features`
produces) and returns ``runtime_s`` and ``p_noop`` per row. This module imports MLflow at
the top because the class must subclass ``PythonModel``; only saving and MLflow-side
loading import it.
"""

import pickle
from typing import Any

import mlflow.pyfunc
import pandas as pd

#: Name of the pickled :class:`~radps_seq.plan.sequencers.learned.models.LearnedModel` artifact.
ARTIFACT = "learned_model"


class LearnedPyfunc(mlflow.pyfunc.PythonModel):
    def load_context(self, context: Any) -> None:
        with open(context.artifacts[ARTIFACT], "rb") as fh:
            self.model = pickle.load(fh)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        return self.model.predict_frame(model_input)
