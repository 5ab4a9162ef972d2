"""The domain: vocabularies, record types and the organisation registry."""
