"""The procedures as flows (state machines) that screens drive."""
