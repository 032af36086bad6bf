"""The HTTP gateway: app.py serves the API, readmodel.py is the `gateway` service that keeps its tables."""
