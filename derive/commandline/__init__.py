"""The command line's helpers: progress and summaries on stderr, shell completion."""
