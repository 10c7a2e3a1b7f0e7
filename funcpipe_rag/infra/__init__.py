"""The imperative shell: interpreters, real adapters and fakes."""
