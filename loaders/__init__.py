"""Loaders: one module per source kind, each turning a file into inventory records with evidence."""
