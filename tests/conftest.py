"""Shared fixtures. Test data is built through the real service functions, not by poking models."""
