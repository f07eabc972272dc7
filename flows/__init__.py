"""The wiring: settings, the ``medkg`` CLI and (in later work) the Prefect flows.

The only package that reads the environment and imports Typer or Prefect.
"""
