"""pytest fixtures: prometheus (see docs/design/team.md for the owner)."""
