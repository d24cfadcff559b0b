"""Data contracts for the source files: pandera schemas and the reference data they check against."""
