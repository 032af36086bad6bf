"""One module per microservice; registry.SERVICES names every service the `run` command can start."""
