"""The Prefect flows and tasks (ingestion, training) and the Prefect runtime medkg runs them in
(the temporary API server, stops on signals)."""
