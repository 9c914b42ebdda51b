"""address_book through dg.materialize on the moto account: every address named, the previous window's
owners carried over."""

import pyarrow as pa

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.defs.inventory.address_book import address_book
from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.lake import Lake

PARTITION = {"date": "2026-03-14", "window": "day"}
PREVIOUS = {"date": "2026-03-13", "window": "night"}


def test_every_address_of_the_account_is_in_the_address_book_as_named(
    account, materialize_inventory, tmp_path
):
    materialize_inventory(address_book, ip_ranges=str(SIMULATED_IP_RANGES))
    book = Lake(str(tmp_path / "lake")).read_partition("address_book", PARTITION).to_pandas().set_index("ip")
    for endpoint in account.endpoints:
        row = book.loc[endpoint.ip]
        assert (row.entity_type, row.entity_name) == (endpoint.entity_type, endpoint.entity_name), endpoint.ip
        assert row.availability_zone == endpoint.availability_zone


def test_the_metadata_counts_the_rows_and_the_addresses_of_each_entity_type(
    account, materialize_inventory, tmp_path
):
    result = materialize_inventory(address_book, ip_ranges=str(SIMULATED_IP_RANGES))
    book = Lake(str(tmp_path / "lake")).read_partition("address_book", PARTITION).to_pandas()
    metadata = result.asset_materializations_for_node("address_book")[0].metadata
    assert metadata["row_count"].value == len(book) > len(account.endpoints)
    assert metadata["owners_beyond_one_per_address"].value == len(book) - book.ip.nunique()
    counted = {
        key.removeprefix("addresses_"): v.value for key, v in metadata.items() if key.startswith("addresses_")
    }
    assert counted == book.groupby("entity_type").ip.nunique().to_dict()
    assert counted["ec2:instance"] >= len(account.by_type("ec2:instance")) > 0


def _owner_elsewhere(ip: str) -> pa.Table:
    """A previous book's owner in an account and region the snapshot does not cover, still holding `ip`."""
    row = dict.fromkeys(ADDRESS_BOOK_SCHEMA.names)
    row.update(ip=ip, entity_type="ec2:instance", entity_name="old-batch", entity_id="i-0abc")
    row.update(account_id="999999999999", region="eu-west-1", is_public=False, valid_from=1773400000)
    return pa.Table.from_pylist([row], schema=ADDRESS_BOOK_SCHEMA)


def test_the_previous_windows_book_is_read_where_the_lake_has_it(account, materialize_inventory, tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    materialize_inventory(address_book, ip_ranges=str(SIMULATED_IP_RANGES))
    assert "172.31.9.9" not in set(lake.read_partition("address_book", PARTITION).column("ip").to_pylist())
    lake.write_table("address_book", PREVIOUS, _owner_elsewhere("172.31.9.9"))
    materialize_inventory(address_book, ip_ranges=str(SIMULATED_IP_RANGES))
    book = lake.read_partition("address_book", PARTITION).to_pandas().set_index("ip")
    assert (book.loc["172.31.9.9"].entity_name, book.loc["172.31.9.9"].account_id) == (
        "old-batch",
        "999999999999",
    )
