"""Stores, queries, the audit and exports over the flow graph."""
