"""The operation side of a case: what was done with the analysis, kept in the operations database.

    checks      agency record checks per person (prior conviction, access to children, ...)
    referrals   the register of packages sent to partner forces, and their status
    outcomes    identified, arrested, charged, convicted, children safeguarded; retractions
    deconflict  other agencies' subject lists, and which persons they (or earlier referrals) hit
    figures     the operation's figures by country, as reported to governments and the press

Each module reads the lake only to check that a person exists or to learn its country
(``lake``); the rules shared by all of them (country codes, dates, names) are in ``fields``.
"""
