"""Reporters: pure functions of (run result, policy catalog) -> text."""
