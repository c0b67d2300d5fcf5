"""Tengri: the joint KZ–KG system for cross-border mountain routes to Khan Tengri."""

__version__ = "0.1.0"
