"""Read models: what the web pages, the JSON API and the CLI show, computed in one place.

Each function takes a ``Scope`` so a partner force sees only its own countries, whichever
shell asked; the web layer never filters by itself.
"""
