"""The assistant's input channels (named by module path in credentials.yml)."""
