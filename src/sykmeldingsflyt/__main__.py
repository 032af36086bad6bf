from sykmeldingsflyt.cli import app

app(prog_name="sykmeldingsflyt")
