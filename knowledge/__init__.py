"""Help-centre knowledge: ingestion, retrieval and answer composition.

Imports neither Rasa nor Slack; the action server calls it (actions/), and so do
the admin CLI (`python -m knowledge`) and the evaluation harness.
"""
