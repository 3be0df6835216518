"""``python -m formcheck``."""

from formcheck.cli import console_main

# Guarded: worker processes (forkserver/spawn) import the main module again.
if __name__ == "__main__":
    console_main()
