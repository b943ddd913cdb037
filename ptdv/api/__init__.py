"""The REST API: the pages' scope, services and rules for other software (docs/api.md)."""
