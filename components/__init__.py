"""Rasa NLU components and NLG: thin adapters over the legcare engine."""
from . import perf

perf.apply()
