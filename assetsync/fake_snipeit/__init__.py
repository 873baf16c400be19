"""A fake Snipe-IT v8.1.4 API server on loopback, faithful to the quirks a sync client must survive.

Used by the test suite, by ``assetsync demo`` and by the benchmark (``python -m assetsync.fake_snipeit``)::

    with FakeSnipeIT(generate_assets(500), token="t") as fake:
        fake.fail_page(500, 503)             # the second page of the default pass fails once
        requests.get(fake.api_url + "/hardware", headers={"Authorization": "Bearer t"})

Besides hardware it serves users, locations, companies, departments, models, categories,
manufacturers, status labels, suppliers, licenses, accessories, consumables and components (list and
show) and each license's seats, generated around the assets so every id an asset row refers to is in
its entity's list (or its deleted pass)::

    with FakeSnipeIT(generate_assets(500), token="t", estate=EstateSize(users=300)) as fake:
        fake.estate.update("users", 105, department_id=4)        # bumps updated_at
        fake.estate.rename("locations", 5, "Boston Seaport")      # asset rows show the new name
        fake.estate.soft_delete("users", 105)                     # restore / purge likewise
        fake.deny("users")                                        # 403 on /users, users.view "0"
        fake.fail_page(0, 503, endpoint="users", pass_name="deleted")
        seat = fake.seat_checkout(7, user_id=105)                 # logged against license 7
        fake.seat_tie_order = "shuffled"                          # tied seats reorder per page

Modules: ``data`` (FakeAsset, generator), ``render`` (the v8.1.4 transformer), ``state`` (store and
caches), ``server`` (FakeSnipeIT), ``handler`` (HTTP, Reply, RequestInfo), ``paging`` (limit and
offset), ``control`` (/__fake__/ endpoints), ``__main__`` (CLI); the other entities: ``estate_records``
(records, endpoints, sizes), ``estate_data`` (generator), ``estate_links`` (asset rows <-> records),
``estate_render`` (transformers), ``estate_state`` (lists, counts, cache), ``estate_edit``
(mutations), ``estate_api`` (routes); licenses and the rest: ``estate_items`` (generator),
``estate_items_render`` (transformers), ``seat_api`` (the seats route), ``seat_events`` (seat changes).
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
from .estate_edit import Estate
from .estate_records import (
    ENTITIES,
    EstateSize,
    FakeAccessory,
    FakeCategory,
    FakeCompany,
    FakeComponent,
    FakeConsumable,
    FakeDepartment,
    FakeLicense,
    FakeLocation,
    FakeManufacturer,
    FakeModel,
    FakeSeat,
    FakeStatusLabel,
    FakeSupplier,
    FakeUser,
)
from .handler import Reply, RequestInfo
from .paging import php_intval
from .render import RenderContext, e, render_bytes, render_row
from .server import FakeSnipeIT, Hook, default_error_body

__all__ = [
    "ENTITIES",
    "STATUS_ARCHIVED",
    "STATUS_BROKEN",
    "STATUS_LOST",
    "STATUS_PENDING",
    "STATUS_READY",
    "STATUS_REPAIR",
    "CustomField",
    "Estate",
    "EstateSize",
    "FakeAccessory",
    "FakeAsset",
    "FakeCategory",
    "FakeCompany",
    "FakeComponent",
    "FakeConsumable",
    "FakeDepartment",
    "FakeLicense",
    "FakeLocation",
    "FakeManufacturer",
    "FakeModel",
    "FakeSeat",
    "FakeSnipeIT",
    "FakeStatusLabel",
    "FakeSupplier",
    "FakeUser",
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
