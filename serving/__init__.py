"""Serving the warehouse: build beside the served file, publish atomically, roll back, read."""
