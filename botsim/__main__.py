"""``python -m botsim``: the same command line as ``botsim``."""

from botsim.cli.main import main

main()
