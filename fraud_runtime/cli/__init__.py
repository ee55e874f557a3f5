"""The fraudctl command groups."""
