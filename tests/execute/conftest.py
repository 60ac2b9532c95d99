import pytest

from . import recipes_for_tests  # noqa: F401 - registers the test recipes


@pytest.fixture
def workdir(tmp_path):
    return tmp_path / "work"


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    """Recipes a test registers from its own files disappear after it."""
    from radps_seq.recipes import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
