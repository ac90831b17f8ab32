"""legcare: the leg-weakness triage engine (usable without Rasa)."""
from .engine import Engine, get_engine  # noqa: F401
from .knowledge import KnowledgeError, load  # noqa: F401

__version__ = "0.1.0"
