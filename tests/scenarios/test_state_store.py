"""The orchestrator's state survives between invocations: every counter and time the decision
needs is written to DynamoDB and read back (each Lambda invocation starts from the item)."""

from __future__ import annotations

from payment_service.orchestrator.model import Action, OrchestratorState
from payment_service.orchestrator.store import DecisionStore
from tests.scenarios.conftest import World


def test_every_field_of_the_state_round_trips(world: World) -> None:
    store = DecisionStore(world.dynamodb, world.names.decision_table, ttl_seconds=86400)
    state = OrchestratorState(
        consecutive_down=2,
        consecutive_inconclusive=1,
        consecutive_conflict=3,
        last_counted_at=1_800_000_060.5,
        down_since=1_800_000_000.0,
        switchover_started_at=1_800_000_030.0,
        last_action=Action.SWITCH_OVER,
    )
    saved = store.save_state(state, 1_800_000_061.0)
    assert store.load_state() == saved
    assert saved.version == 1


def test_an_item_without_the_newer_fields_reads_as_their_defaults(world: World) -> None:
    store = DecisionStore(world.dynamodb, world.names.decision_table, ttl_seconds=86400)
    store.save_state(OrchestratorState(consecutive_down=1, last_counted_at=5.0), 6.0)
    loaded = store.load_state()
    assert (loaded.consecutive_conflict, loaded.down_since, loaded.switchover_started_at) == (
        0,
        None,
        None,
    )
