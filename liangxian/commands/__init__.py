"""Subcommands of ``liangxian``; each module exposes ``register(subparsers)``."""
