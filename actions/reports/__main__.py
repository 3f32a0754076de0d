import sys

from actions.reports.cli import main

sys.exit(main())
