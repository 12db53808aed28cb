"""The ``viveka-pos`` command: the desktop app, or headless commands over the services.

Each module in :data:`COMMAND_MODULES` adds its subcommands with ``register(subparsers)``;
a subcommand's handler is ``func(args) -> int`` set with ``set_defaults(func=...)``.
Handlers print one clear line to stderr and return non-zero on bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

COMMAND_MODULES: list[str] = ["core", "documents", "reports", "auth", "sync", "safety", "returns"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="viveka-pos",
        description="Viveka POS: billing, stock and GST invoices for your shop.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation on a throw-away shop, then exit",
    )
    parser.add_argument(
        "--data-dir",
        help="folder holding the shop's data (default: VIVEKA_DATA_DIR or your user data folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    _data_dir_after_commands(parser)
    return parser


def _data_dir_after_commands(parser: argparse.ArgumentParser) -> None:
    """Let ``--data-dir`` follow the command too (``viveka-pos report stock --data-dir D``).

    Given in both places, the one after the command wins; not given after it, the default
    is suppressed so the one before the command (or none) stands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                if not any("--data-dir" in a.option_strings for a in sub._actions):
                    sub.add_argument(
                        "--data-dir",
                        default=argparse.SUPPRESS,
                        help="folder holding the shop's data (as before the command)",
                    )
                _data_dir_after_commands(sub)


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from ..selftest import run as run_self_test

        return run_self_test()
    if args.command is None:
        from ..app import run_gui

        return run_gui(args.data_dir)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
