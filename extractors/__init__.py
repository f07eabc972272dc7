"""Named-entity recognition and relation extraction: datasets, fine-tuning, evaluation, inference."""
