"""Descriptor families (see `registry` for the list and the interface)."""
