"""Metric sources: where a `prometheus`-type metric's values come from."""
