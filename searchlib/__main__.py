"""`python -m searchlib` runs the command-line interface."""

from searchlib._console import main

main()
