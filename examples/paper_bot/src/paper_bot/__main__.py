"""``python -m paper_bot``: same as the ``paper-bot`` console script."""

import sys

from .cli import main

sys.exit(main())
