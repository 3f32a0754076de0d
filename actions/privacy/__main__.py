"""`python -m actions.privacy retention|export|erase ...`: see actions/privacy/cli.py."""

import sys

from actions.privacy.cli import main

sys.exit(main())
