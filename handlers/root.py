"""The composition of every feature's router: the order here is the order of `/help`.

A new feature adds its module's `router` here; nothing else registers anything.
"""

from __future__ import annotations

from handlers import (
    basics,
    collectives,
    export,
    link,
    plan_admin,
    plan_import,
    remind,
    report_form,
    status,
    tasks,
)
from handlers.routing import Router, Routes

ROOT = Router(
    "root",
    routers=(
        basics.join_router,
        report_form.router,
        tasks.router,
        status.router,
        remind.router,
        export.router,
        collectives.router,
        plan_admin.router,
        link.router,
        plan_import.router,
        basics.language_router,
        basics.help_router,
    ),
)
# The read-only table the conversations, Telegram's menus and Zalo's command words read.
ROUTES = Routes(ROOT)
