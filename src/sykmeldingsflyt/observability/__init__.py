"""What a running process tells its platform: liveness and readiness probes and Prometheus metrics, on a
port of their own beside the Kafka consumers (`probes.py`), and the metrics every part records (`metrics.py`).
"""
