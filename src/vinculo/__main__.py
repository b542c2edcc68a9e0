"""`python -m vinculo` runs the command line."""

from vinculo.cli import app

app()
