"""Getting source files in: manifest, HTTP fetch, readers, landing and the raw tables."""
