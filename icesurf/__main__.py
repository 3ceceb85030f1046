"""``python -m icesurf``: the command line (see icesurf/cli.py)."""
from icesurf.cli import run

run()
