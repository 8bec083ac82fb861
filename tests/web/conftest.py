"""The web tests' fixtures live in tests/conftest.py (``built_case_dir``, ``web_case``), shared
with the browser tests so each worker builds the case once."""
