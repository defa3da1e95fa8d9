"""The executor graphql-core runs each subscription event with, minus the memo it kept forever.

graphql-core 3.3 builds each event's executor as a shallow copy of the
subscription's, so the dicts it treats as "shared execution state" are shared
by every event the subscription ever receives. Two of them memoize on the
identity of field lists that each event's execution builds anew (the
subfields of every object it completes, and the `@stream` usage of list
fields); the entries can never be hit again by a later event, yet they keep
those lists alive for as long as the subscription is open: about 1.5 KB per
delivered event for `commentAdded { id body author { username } }`.

Each event's executor gets its own memo: it still spares the repeated work
within one event (a list of objects), and is freed with the event.
"""

from typing import Any

from graphql.execution.executor import Executor
from graphql.pyutils import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class PerEventMemoExecutor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        return executor
