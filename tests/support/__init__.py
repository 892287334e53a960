"""Helpers every test folder shares: users and passwords, scenario documents, worlds built through the real
services, and the fixtures tests/conftest.py turns on for the whole suite.

Each folder's conftest keeps only what is its own (its fixtures' names and the world it needs)."""
