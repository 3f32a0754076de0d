"""rasa-sdk actions: thin adapters from Rasa turns to knowledge/ and the support rules."""
