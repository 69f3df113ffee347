import mlflow
import pytest
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

from conftest import unique_name


def test_set_experiment_creates_a_new_experiment_then_reuses_it(tracking_uri, client):
    name = unique_name("compat-set")
    assert client.get_experiment_by_name(name) is None

    created = mlflow.set_experiment(name)
    assert created.name == name
    assert created.lifecycle_stage == "active"
    assert created.experiment_id != "0"
    assert created.artifact_location.startswith("mlflow-artifacts:")

    again = mlflow.set_experiment(name)
    assert again.experiment_id == created.experiment_id
    by_id = mlflow.set_experiment(experiment_id=created.experiment_id)
    assert by_id.name == name

    fetched = client.get_experiment(created.experiment_id)
    assert fetched.name == name
    assert client.get_experiment_by_name(name).experiment_id == created.experiment_id


def test_experiment_tags_and_rename(client):
    experiment_id = client.create_experiment(unique_name("compat-tags"), tags={"team": "vision"})
    client.set_experiment_tag(experiment_id, "stage", "dev")
    tags = client.get_experiment(experiment_id).tags
    assert tags["team"] == "vision"
    assert tags["stage"] == "dev"

    client.delete_experiment_tag(experiment_id, "stage")
    assert "stage" not in client.get_experiment(experiment_id).tags

    new_name = unique_name("compat-renamed")
    client.rename_experiment(experiment_id, new_name)
    assert client.get_experiment(experiment_id).name == new_name


def test_search_experiments_filters_orders_and_pages(client):
    prefix = unique_name("compat-search")
    ids = [client.create_experiment(f"{prefix}-{i}", tags={"parity": str(i % 2)}) for i in range(5)]

    found = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"])
    assert [e.experiment_id for e in found] == ids

    odd = client.search_experiments(filter_string=f"name LIKE '{prefix}-%' AND tags.parity = '1'")
    assert sorted(e.name for e in odd) == [f"{prefix}-1", f"{prefix}-3"]

    seen = []
    token = None
    pages = 0
    while True:
        page = client.search_experiments(
            filter_string=f"name LIKE '{prefix}-%'",
            order_by=["name DESC"],
            max_results=2,
            page_token=token,
        )
        pages += 1
        seen.extend(e.experiment_id for e in page)
        token = page.token
        if not token:
            break
    assert pages == 3
    assert seen == list(reversed(ids))

    as_fluent = mlflow.search_experiments(filter_string=f"name = '{prefix}-2'")
    assert [e.experiment_id for e in as_fluent] == [ids[2]]


def test_delete_and_restore_experiment(client):
    name = unique_name("compat-delete")
    experiment_id = client.create_experiment(name)

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    active = client.search_experiments(filter_string=f"name = '{name}'")
    assert active == []
    deleted = client.search_experiments(
        view_type=ViewType.DELETED_ONLY, filter_string=f"name = '{name}'"
    )
    assert [e.experiment_id for e in deleted] == [experiment_id]

    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    assert [e.experiment_id for e in client.search_experiments(filter_string=f"name = '{name}'")] == [
        experiment_id
    ]


def test_missing_experiment_id_is_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as info:
        client.get_experiment("987654321")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_duplicate_experiment_name_is_resource_already_exists(client):
    name = unique_name("compat-dup")
    client.create_experiment(name)
    with pytest.raises(MlflowException) as info:
        client.create_experiment(name)
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"
