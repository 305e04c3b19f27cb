"""Composition root: settings, CLI, channel bindings and the process lifecycle."""
