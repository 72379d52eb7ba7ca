"""pytest fixtures: github (see docs/design/team.md for the owner)."""
