"""Plan import: read a plan document into tasks, units, timeframes and the reporting regime."""
