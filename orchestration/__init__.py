"""Dagster definitions and the `kinerja` operator CLI."""
