"""The project's own dialogue policies (config.yml `policies`)."""
