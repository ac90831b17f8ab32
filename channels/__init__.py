"""Rasa input channels, configured only from environment variables."""
