"""`ai-deploy-ci analyze` (not built yet)."""

from __future__ import annotations

import argparse

from ai_deploy_ci.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rest", nargs="*")


def run(args: argparse.Namespace) -> int:
    raise UserError("this command is not built yet")
