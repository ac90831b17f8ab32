"""rasa_sdk custom actions: thin adapters over legcare.answers and the engine."""
