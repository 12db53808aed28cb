"""Tools for tests and local development; never used by the running application."""
