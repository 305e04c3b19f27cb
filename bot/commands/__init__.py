"""Sub-commands of the `dondoc` CLI, one module per concern."""
