"""Imported relatively (``from . import sibling``) as the worker allows."""

GREETING = "hello from sibling"
