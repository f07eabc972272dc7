"""The FastAPI service: thin, handed ready objects by ``wiring.serving``."""
