"""Reporting: pure rendering of the results directory, plus `github/` for the I/O.

render (entry points) → sections, progress, details, charts (content blocks) → markdown,
figures (well-formed pieces) → trim (fit GitHub's limits) ; html (standalone page).
Nothing here but `github/` imports `requests`.
"""
