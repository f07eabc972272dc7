"""The exception tree. Every error medkg raises on purpose is a ``MedkgError``."""

from __future__ import annotations


class MedkgError(Exception):
    """Root of medkg's own errors; the CLI prints these without a stack trace."""


class ConfigError(MedkgError):
    """A setting, flag or configuration file is wrong."""


class InputError(MedkgError):
    """An input record is malformed. The message names the source and the line or record.

    ``source`` is the file (or stream name) and ``record`` the line number or record id, so a flow
    can report the bad record and go on.
    """

    def __init__(self, message: str, *, source: str = "", record: str | int | None = None) -> None:
        where = source
        if record is not None:
            where = f"{source}:{record}" if source else str(record)
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.record = record
        self.reason = message


class OntologyError(MedkgError):
    """An ontology or vocabulary file cannot be read or indexed."""


class StoreError(MedkgError):
    """A graph store cannot be reached, or refused an operation."""


class QueryRefused(StoreError):
    """A query was refused before it ran: a write, several statements, a database setting."""


class QueryInvalid(StoreError):
    """A query cannot run as given (a ``$parameter`` without a value)."""


class QueryTimeout(StoreError):
    """A query ran over the store's time limit and was stopped."""
