"""Support reports for admins: containment, handoffs, CSAT, answer helpfulness, knowledge gaps.

Definitions: docs/reports.md. Rasa's conversation log is summarised
incrementally into `support_report_*` tables (refresh.py), reports are computed
from them (metrics.py) and shown by the CLI (cli.py, `python -m actions.reports`)
and the admin page (web.py, /admin/reports).
"""
