"""Network: person-level ties from posts, messages, friends and shared media; metrics; roles.

``edges`` aggregates the ties in SQL and ``activity`` the per-person facts (``inputs`` stands in
for tables a case lacks); ``metrics`` computes centrality and Leiden communities with igraph,
leidenalg and ``pagerank``; ``roles`` names each person's role with its reasons; ``stage`` runs
them as the pipeline's ``network`` stage. ``export`` writes the graph for Gephi, yEd and Maltego
(``graphml``) and for i2 Analyst's Notebook (``i2``).
"""
