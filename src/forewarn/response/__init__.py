"""The response engine: escalation ladder, deadline-bound actions, the clock, the ledger."""
