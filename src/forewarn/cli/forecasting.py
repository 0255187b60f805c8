"""``forewarn models|backtest|forecast|demo`` (filled in by the forecasting stage)."""
