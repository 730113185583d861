"""Reusable widgets. They import ``domain`` only (never ``screens`` or the app)."""
