"""Shell views: they render `ShellState` through a `ViewContext` and send events back; no I/O."""
