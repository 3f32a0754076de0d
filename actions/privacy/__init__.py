"""Privacy controls: retention, per-customer export and erase (docs/privacy.md).

    python -m actions.privacy retention --dry-run
    python -m actions.privacy export --email jane@example.com --out jane.json
    python -m actions.privacy erase --email jane@example.com

Imports nothing here: bot/environment.py validates the settings (settings.py,
standard library only) from the Rasa environment too.
"""
