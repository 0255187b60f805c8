"""Warnings: configurable rules over forecasts and assessments, and the alerts they raise."""
