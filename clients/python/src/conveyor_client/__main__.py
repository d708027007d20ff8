"""`python3 -m conveyor_client --url … --module my_tasks.py`: the worker's command line."""

import sys

from .worker_main import main

sys.exit(main())
