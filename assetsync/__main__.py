"""`python -m assetsync` is the same as the `assetsync` command."""

from assetsync.cli import main

if __name__ == "__main__":
    main()
