"""Managed services: one small class each, listed in `registry.SERVICES`."""
