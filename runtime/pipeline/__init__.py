"""Internals of the conversation pipeline; the public entry points live in `runtime.services`."""
