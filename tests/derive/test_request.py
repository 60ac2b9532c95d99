"""``-wp NAME VALUE`` is checked against the parameters the cascade knows."""

from __future__ import annotations

import pytest

from radps_seq.derive import derive
from radps_seq.errors import ParameterError

from .conftest import bias, build_cascade


def test_a_parameter_read_by_a_condition_function_is_known():
    derive(build_cascade(), bias(3, 60000.9), workflow_parameters={"use_sky": "false"})


def test_an_unknown_parameter_names_the_known_ones():
    with pytest.raises(ParameterError, match=r"-wp use_skyy: unknown workflow parameter.*use_sky"):
        derive(build_cascade(), bias(3, 60000.9), workflow_parameters={"use_skyy": "false"})
