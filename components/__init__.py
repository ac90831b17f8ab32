"""Rasa NLU components, policies, NLG and tracker store: thin adapters over the legcare engine.

Importing them changes nothing in Rasa; the Rasa server's entry point applies
LegCare's changes to Rasa (ops/rasa_patches.py).
"""
