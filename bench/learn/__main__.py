"""`python -m bench.learn`: see run.py."""

import sys

from .run import main

main(sys.argv[1:])
