"""The platform's own application services (run by the runtime under supervisord)."""
