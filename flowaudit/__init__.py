"""flowaudit: map and audit personal-data flows from policies, inventories and observed evidence."""

__version__ = "0.1.0"
