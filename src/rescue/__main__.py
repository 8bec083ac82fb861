from rescue.cli.main import run

run()
