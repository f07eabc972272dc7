"""The wiring: settings from the environment, and the builders that assemble ready objects from
them (stores, normalizers, the diagnosis context, the API app) for the CLI and the flows.

It reads the environment and may import every library package and ``api``; it never imports
Typer, Prefect, ``cli`` or ``flows``.
"""
