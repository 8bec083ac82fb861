"""Stand-ins for missing tables: typed exactly as the contract, so one query fits every case."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from rescue.engine.stand_ins import sql_type, stand_ins, with_inputs
from rescue.lake.schemas import SCHEMAS
from rescue.network.inputs import INPUTS


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_a_stand_in_has_the_contracts_columns_and_no_rows(table: str) -> None:
    sql = with_inputs([table], [], "", f'SELECT * FROM "{table}"')
    result = duckdb.connect().sql(sql).to_arrow_table()
    assert result.num_rows == 0
    assert result.column_names == SCHEMAS[table].names
    for got, want in zip(result.schema, SCHEMAS[table], strict=True):
        if pa.types.is_timestamp(want.type):
            assert pa.types.is_timestamp(got.type), got
        else:
            assert got.type == want.type, (got, want)


def test_present_tables_get_no_stand_in() -> None:
    assert stand_ins(["posts", "messages"], ["posts", "messages"]) == ""
    assert with_inputs(["posts"], ["posts"], "", "SELECT 1") == "SELECT 1"
    assert stand_ins(["posts", "messages"], ["posts"]).startswith('"messages" AS')


def test_every_input_is_a_contract_table() -> None:
    assert set(INPUTS) <= set(SCHEMAS)
    assert sql_type(SCHEMAS["posts"].field("quotes").type).startswith("STRUCT(")
