"""pytest fixtures: cluster (see docs/design/team.md for the owner)."""
