"""The shared aiohttp server: `/healthz` plus the routes channels add (webhooks).

Routes must be added before `start()`; start the server before channels register webhooks,
so the first update Telegram or Zalo posts finds it listening.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[bool]]


class WebServer:
    """One aiohttp application for every channel's webhook."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=2 * 1024 * 1024)
        self.checks: dict[str, HealthCheck] = {}
        self.app.router.add_get("/healthz", self._healthz)
        self._runner: web.AppRunner | None = None

    def add_routes(self, routes: Iterable[web.RouteDef]) -> None:
        """Mount a channel's routes (before start)."""
        self.app.add_routes(list(routes))

    def add_check(self, name: str, check: HealthCheck) -> None:
        """Something `/healthz` should verify (e.g. the database answers)."""
        self.checks[name] = check

    async def _healthz(self, request: web.Request) -> web.Response:
        results: dict[str, bool] = {}
        for name, check in self.checks.items():
            try:
                results[name] = bool(await check())
            except Exception:
                log.exception("health check %s failed", name)
                results[name] = False
        ok = all(results.values())
        return web.json_response(
            {"status": "ok" if ok else "failing", "checks": results}, status=200 if ok else 503
        )

    async def start(self) -> None:
        """Listen; with port 0 the chosen port is stored in `self.port`."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if server is not None and self.port == 0:
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self.port = int(sockets[0].getsockname()[1])
        log.debug("http server on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and finish open requests."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        return f"http://{self.host}:{self.port}"
