"""pytest fixtures: servers (see docs/design/team.md for the owner)."""
