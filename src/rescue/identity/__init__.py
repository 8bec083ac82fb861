"""Identity: the identifiers accounts disclose, and (later) linkage, geo and attribution."""
