"""`python -m actions.privacy retention|export|erase ...`: see actions/privacy/cli.py."""

import os
import sys

from actions.privacy.cli import main

try:
    code = main()
except BrokenPipeError:  # `... | head`: the reader stopped; what was asked is done (or counted)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
sys.exit(code)
