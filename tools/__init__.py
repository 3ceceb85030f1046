"""Command-line tools beside the app: training, evaluation, the model registry, local running."""
