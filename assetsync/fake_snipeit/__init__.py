"""A fake Snipe-IT v8.1.4 API server on loopback, faithful to the quirks a sync client must survive.

Used by the test suite, by ``assetsync demo`` and by the benchmark (``python -m assetsync.fake_snipeit``)::

    with FakeSnipeIT(generate_assets(500), token="t") as fake:
        fake.fail_page(500, 503)             # the second page of the default pass fails once
        requests.get(fake.api_url + "/hardware", headers={"Authorization": "Bearer t"})

Modules: ``data`` (FakeAsset, generator), ``render`` (the v8.1.4 transformer), ``state`` (store and
caches), ``server`` (FakeSnipeIT), ``handler`` (HTTP, Reply, RequestInfo), ``__main__`` (CLI).
"""

from .data import (
    STATUS_ARCHIVED,
    STATUS_BROKEN,
    STATUS_LOST,
    STATUS_PENDING,
    STATUS_READY,
    STATUS_REPAIR,
    CustomField,
    FakeAsset,
    Ref,
    StatusLabel,
    generate_assets,
)
from .handler import Reply, RequestInfo
from .render import RenderContext, e, render_bytes, render_row
from .server import FakeSnipeIT, Hook, default_error_body, php_intval

__all__ = [
    "STATUS_ARCHIVED",
    "STATUS_BROKEN",
    "STATUS_LOST",
    "STATUS_PENDING",
    "STATUS_READY",
    "STATUS_REPAIR",
    "CustomField",
    "FakeAsset",
    "FakeSnipeIT",
    "Hook",
    "Ref",
    "RenderContext",
    "Reply",
    "RequestInfo",
    "StatusLabel",
    "default_error_body",
    "e",
    "generate_assets",
    "php_intval",
    "render_bytes",
    "render_row",
]
