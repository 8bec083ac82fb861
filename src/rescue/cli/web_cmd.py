"""rescue serve: the analysts' web app for one case (the app is rescue.web)."""

from __future__ import annotations

from pathlib import Path

import typer

from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors


@handle_errors
def serve(
    case_dir: Path = CASE_OPTION,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on; loopback unless a proxy is in front."
    ),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    https: bool = typer.Option(
        False,
        "--https",
        help="TLS ends at a proxy in front of Rescue: send Secure cookies and HSTS.",
    ),
    trusted_proxy: list[str] = typer.Option(
        [], "--trusted-proxy", help="A proxy address whose X-Forwarded-For is believed; repeat."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Server processes; one per core uses every core (the read model is shared).",
    ),
    hotline_every: float = typer.Option(
        10.0, "--hotline-every", help="Minutes between hotline re-check and notice runs (0: off)."
    ),
) -> None:
    """Serve the web app and its JSON API (/api/, OpenAPI at /api/openapi.json)."""
    import uvicorn

    from rescue.web import create_app
    from rescue.web.settings import web_settings
    from rescue.web.workers import serve_workers

    with case_at(case_dir) as case:
        settings = web_settings(
            case.root,
            case.settings("web"),
            https=https,
            trusted_proxies=tuple(trusted_proxy),
            hotline_every_minutes=hotline_every,
        )
    console.print(f"Rescue serves {case_dir} on http://{host}:{port}/ (Ctrl+C stops it)")
    if workers == 1:
        app = create_app(settings)
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
        return
    serve_workers(settings, host, port, workers)
