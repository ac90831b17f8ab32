"""Fixtures shared by the engine's tests."""
import pytest


@pytest.fixture
def read(engine):
    """Assess one message with the session's engine."""
    return engine.assess
