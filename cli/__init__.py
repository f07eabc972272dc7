"""The ``medkg`` command line (Typer): one module per topic, assembled in ``cli.main``."""

from flows.runtime import configure_environment

configure_environment()  # before Prefect or transformers is imported: they read it then
