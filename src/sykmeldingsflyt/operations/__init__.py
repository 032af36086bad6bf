"""The operator's tools: see and repair the flow without a database shell. One module per tool, each
used by the `sykmeldingsflyt` command (cli.py) and by the gateway's /admin routes; every look at
personal data is written to the audit log with who looked and why."""
