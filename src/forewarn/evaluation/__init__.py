"""Rolling-origin backtests, scoring rules and calibration."""
