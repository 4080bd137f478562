"""REST endpoints of alignment.md: plans and agreements."""
