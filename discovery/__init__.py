"""Discovery: a scenario fitted from a hall's own event log (its approval system's history)."""
