"""sykmeldingsflyt: the message broker for Norwegian sick-leave follow-up."""
