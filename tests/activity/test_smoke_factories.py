from tests.activity.factories import ActivityRecordFactory, ApiTokenFactory


def test_factories_build_valid_rows(db):
    record = ActivityRecordFactory()
    record.full_clean()
    assert record.participants.count() == 1
    collective = ActivityRecordFactory(collective=True, participants=[{"birth_year": 1950}])
    collective.full_clean()
    assert collective.participants.get().tranche_age == "soixante_dix_plus"
    remote = ActivityRecordFactory(remote=True)
    remote.full_clean()
    assert ApiTokenFactory().prefix.startswith("jeton")
