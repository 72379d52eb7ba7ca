"""The only package that imports `kubernetes`: access, writes, waits, lock, state, preflight."""
