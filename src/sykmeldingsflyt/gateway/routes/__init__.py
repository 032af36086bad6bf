"""The HTTP routes, one module per audience: each checks its own callers' rights and nothing else."""
