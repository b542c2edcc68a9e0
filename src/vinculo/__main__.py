"""`python -m vinculo` runs the command line."""

from vinculo.cli import app

# Guarded: a process started with the "spawn" method imports this module again.
if __name__ == "__main__":
    app()
