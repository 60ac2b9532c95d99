import pytest

from . import recipes_for_tests  # noqa: F401 - registers the test recipes


@pytest.fixture
def workdir(tmp_path):
    return tmp_path / "work"
