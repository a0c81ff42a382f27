"""``python -m botsim``: the same command line as ``botsim``."""

from botsim.cli import main

main()
