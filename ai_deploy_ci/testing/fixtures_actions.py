"""pytest fixtures: actions (see docs/design/team.md for the owner)."""
