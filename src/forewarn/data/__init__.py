"""Data layer: the registry of public datasets, loaders, schemas and country identity."""
