"""``python -m onething.cli``: how onething starts its own service and workbench processes."""

import sys

from onething.cli import main

sys.exit(main())
