"""The HTTP gateway: app.py serves the API, readmodel.py is the `gateway` service that keeps its tables.

The read model is registered among the services, so the service registry is imported first: that makes
`import sykmeldingsflyt.gateway.readmodel` work whichever of the two packages a program imports first.
"""

import sykmeldingsflyt.services  # noqa: F401
