"""`python -m orchestration.cli`: the `kinerja` command."""

import sys

from orchestration.cli import main

sys.exit(main())
