"""The inventory benchmark at a tiny scale: both approaches name every address; the inventory's call count
does not grow with the ENIs, the by-hand approach makes one call per address."""

import pytest

from benchmarks.inventory import create_enis, main, measure

ENIS = 30


@pytest.fixture
def addresses(aws) -> list[str]:
    return create_enis(ENIS)


def test_the_inventory_names_every_address_in_a_fixed_number_of_calls(addresses) -> None:
    result = measure("flowpipe", addresses)
    assert (result.named, result.addresses) == (ENIS, ENIS)
    assert 20 <= result.api_calls <= 40  # one paginated call per table and service; not per address
    assert result.peak_rss_mib > 0


def test_one_call_per_address_names_every_address_in_as_many_calls(addresses) -> None:
    result = measure("per-address", addresses)
    assert (result.named, result.api_calls) == (ENIS, ENIS)


def test_the_command_runs_each_approach_in_its_own_process(capsys) -> None:
    main(["--enis", "5"])
    lines = capsys.readouterr().out.splitlines()
    assert '"created_enis": 5' in lines[0]
    assert ['"approach": "flowpipe"' in lines[1], '"approach": "per-address"' in lines[2]] == [True, True]
