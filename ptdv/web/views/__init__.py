"""The daily-work interface, one module per page (see docs/architecture.md)."""
