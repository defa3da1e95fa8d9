"""Global IDs for the fuzzers: mostly IDs of rows the fixtures made, so resolvers get past BAD_USER_INPUT.

Left to itself schemathesis writes random strings for every `ID`, nearly
all of which fail to decode, so mutations and `node` rarely reach SQL.
Registering this strategy for `ID` (a process-wide registry in
schemathesis) mixes well-formed IDs of the first few rows of every type
with arbitrary text. Both fuzz modules import it, so each run, alone or
together, generates the same kind of IDs.
"""

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from graph.relay.ids import encode_id

TYPES = ("User", "Article", "Comment")
KNOWN = st.builds(encode_id, st.sampled_from(TYPES), st.integers(min_value=1, max_value=4))
IDS = st.one_of(KNOWN, KNOWN, KNOWN, st.text(max_size=16)).map(nodes.String)

schemathesis.graphql.scalar("ID", IDS)
