"""`python -m bot` runs the dondoc CLI."""

import sys

from bot.cli import main

sys.exit(main())
