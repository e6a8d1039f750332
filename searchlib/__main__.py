"""`python -m searchlib` runs the command-line interface."""

from searchlib.cli import main

main()
