"""forewarn: atrocity-crimes early warning that forces a response."""

__version__ = "0.1.0"
