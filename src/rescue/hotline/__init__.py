"""The hotline: from a reported URL to its removal, with the time to removal measured honestly.

    urls         canonical URLs: one spelling per page, so repeat reports join one URL
    reports      intake (web form, API, command line, CSV) and the list of reported URLs
    assess       classification per jurisdiction; analysts confirm or reject known-hash matches
    netguard     name resolution behind an interface; the SSRF guard every fetch hop passes
    fetch        the fetch seam (send(request) -> result): pinned address, limits, manual redirects
    content      hashes of fetched content, in memory only; matches against the case's hash sets
    hosting      address -> network, country, provider, abuse contact, partner hotline
    lifecycle    what a check means (live, removed, unreachable, refused) and what follows
    checks       run_checks / run_due_checks: fetch, judge, record, attribute
    notice_plan  which notices are due, grouped one per provider and route
    senders      the notice seam (send(notice) -> result): SMTP, partner export, routing
    notices      send_notices: send what is due and record every attempt
    survival     Kaplan-Meier figures of time to removal (open URLs censored)
    stats        counts and removal figures per provider, ASN and country; the monthly trend
    charts       the survival curves and the trend as SVG
    settings     [hotline] in case.toml

Every function that depends on the time takes ``now`` (aware UTC; the real clock when None),
so a scheduler, a test or a simulation of weeks decides what time it is. The web app and the
CLI are thin shells over these functions; the scheduler in ``rescue serve`` calls
``run_due_checks`` and ``send_notices`` periodically.

Content is never stored, shown or sent: a check keeps status codes and hashes, a notice lists
URLs, addresses, classifications and hash-set ids.
"""
