"""Plans and agreements the two teams commit to (the numbers come from metrics)."""
