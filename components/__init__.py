"""Rasa NLU components and NLG: thin adapters over the legcare engine."""
