"""The Rasa project (domain, data, endpoints, credentials) and the launcher that runs it."""
