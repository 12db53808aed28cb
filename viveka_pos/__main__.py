"""``python -m viveka_pos`` and the ``viveka-pos`` command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from .cli import main as cli_main
    from .cli.output_encoding import prepare_standard_streams

    prepare_standard_streams()
    try:
        return cli_main(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:
        # The output went to a command that stopped reading (``| head``): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
