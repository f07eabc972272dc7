"""Graph-context retrieval and the graph-augmented diagnosis model."""
