"""Training data for the routing model (../shared/datasets and training/seed) and ``make train``."""
