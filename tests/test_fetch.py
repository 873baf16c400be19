"""Paging while Snipe-IT changes underneath: nothing skipped, nothing trusted that does not add up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assetsync.fake_snipeit import FakeSnipeIT, Reply, RequestInfo, generate_assets
from assetsync.fetch import FetchReport, IncompleteFetchError, iter_all
from assetsync.snipeit import BadResponseError, RetryPolicy, SnipeITClient
from tests.conftest import TOKEN


@pytest.fixture
def server() -> Iterator[FakeSnipeIT]:
    with FakeSnipeIT(
        generate_assets(95, seed=11, archived_share=0.05, deleted_share=0.05), token=TOKEN
    ) as fake:
        yield fake


def client_for(fake: FakeSnipeIT) -> SnipeITClient:
    return SnipeITClient(
        fake.api_url, TOKEN, retry=RetryPolicy(max_retries=2, max_wait=0.01), sleep=lambda s: None
    )


def fetch_ids(fake: FakeSnipeIT, page_size: int = 10) -> tuple[set[int], FetchReport]:
    report = FetchReport()
    with client_for(fake) as client:
        ids = {row["id"] for page in iter_all(client, page_size, report) for row in page.rows}
    return ids, report


def test_every_pass_read_in_full(server: FakeSnipeIT) -> None:
    ids, report = fetch_ids(server)
    assert ids == server.all_ids()
    assert [p.name for p in report.passes] == ["default", "Archived", "Deleted"]
    requests = [r for r in server.requests if r.path.endswith("/hardware")]
    assert all(r.params["sort"] == "id" and r.params["order"] == "asc" for r in requests)


def test_asset_deleted_before_the_current_position_is_not_a_skipped_asset(server: FakeSnipeIT) -> None:
    """The classic offset-paging loss: a delete behind us shifts the next unread row onto our last offset."""
    live = sorted(
        server.live_ids()
        - {a.id for a in server.assets.values() if a.status_label and a.status_label[2] == "archived"}
    )
    done = {"fired": False}

    def delete_behind(req: RequestInfo) -> None:
        if req.pass_name == "default" and int(req.params["offset"]) >= 20 and not done["fired"]:
            done["fired"] = True
            server.soft_delete(live[2])  # well behind the current position

    server.on_list_request(delete_behind)
    ids, report = fetch_ids(server)
    assert done["fired"]
    assert ids == server.all_ids()
    assert report.passes[0].resyncs >= 1


def test_assets_created_during_the_pass_are_picked_up(server: FakeSnipeIT) -> None:
    template = server.assets[min(server.live_ids())]
    added: list[int] = []

    def create(req: RequestInfo) -> None:
        if req.pass_name == "default" and len(added) < 3:
            new_id = server.next_id()
            server.add(
                type(template)(
                    **{
                        **{s: getattr(template, s) for s in template.__slots__},
                        "id": new_id,
                        "asset_tag": f"NEW-{new_id}",
                    }
                )
            )
            added.append(new_id)

    server.on_list_request(create)
    ids, _ = fetch_ids(server)
    assert set(added) <= ids
    assert ids == server.all_ids()


def test_asset_moving_to_archived_between_passes_is_still_read(server: FakeSnipeIT) -> None:
    mover = max(server.live_ids())

    def archive_once(req: RequestInfo) -> None:
        if req.pass_name == "default" and int(req.params["offset"]) > 80 and mover in server.live_ids():
            server.archive(mover)

    server.on_list_request(archive_once)
    ids, _ = fetch_ids(server)
    assert mover in ids


def test_a_total_that_keeps_disagreeing_fails_the_fetch(server: FakeSnipeIT) -> None:
    def inflate(req: RequestInfo) -> Reply | None:
        if req.pass_name == "Archived":
            return Reply(body={"total": 999, "rows": []})
        return None

    server.add_hook(inflate)
    with pytest.raises(IncompleteFetchError, match="Archived list could not be read consistently"):
        fetch_ids(server)


def test_a_server_that_ignores_offset_is_detected(server: FakeSnipeIT) -> None:
    def ignore_offset(req: RequestInfo) -> Reply | None:
        if req.pass_name == "default" and req.params.get("offset") != "0":
            rows = sorted(server.live_ids())[:10]
            return Reply(body={"total": 500, "rows": [{"id": i} for i in rows]})
        return None

    server.add_hook(ignore_offset)
    with pytest.raises(BadResponseError, match="offset"):
        fetch_ids(server)


def test_unsorted_rows_are_refused(server: FakeSnipeIT) -> None:
    server.add_hook(
        lambda req: (
            Reply(body={"total": 2, "rows": [{"id": 5}, {"id": 3}]}) if req.pass_name == "default" else None
        )
    )
    with pytest.raises(BadResponseError, match="id order"):
        fetch_ids(server)


def test_non_integer_id_is_refused_with_a_clear_message(server: FakeSnipeIT) -> None:
    server.add_hook(
        lambda req: Reply(body={"total": 1, "rows": [{"id": "abc"}]}) if req.pass_name == "default" else None
    )
    with pytest.raises(BadResponseError, match="not a whole number"):
        fetch_ids(server)


def test_asset_joining_behind_the_read_position_makes_the_pass_read_again(server: FakeSnipeIT) -> None:
    """A restore or unarchive with a low id shifts rows down; that asset was not read by this pass."""
    archived = sorted(
        a.id
        for a in server.assets.values()
        if a.status_label and a.status_label[2] == "archived" and a.deleted_at is None
    )
    mover = archived[0]
    done = {"fired": False}

    def unarchive_behind(req: RequestInfo) -> None:
        if req.pass_name == "default" and int(req.params["offset"]) >= 40 and not done["fired"]:
            done["fired"] = True
            server.unarchive(mover)

    server.on_list_request(unarchive_behind)
    assert mover < 40  # behind the position where it joins
    ids, report = fetch_ids(server)
    assert done["fired"]
    assert mover in ids
    assert report.passes[0].attempts == 2
