"""Locust user classes per inference protocol (imported only inside Locust).

This is their one home, installed with the package so the runner finds them anywhere;
`load/users/*.py` in the repository are thin re-exports for `locust -f` by hand.
"""
