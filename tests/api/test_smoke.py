from tests.helpers import seed


def test_full_write_path(client, tokens):
    seeded = seed(client, tokens)
    r = client.get(f"/v1/programs/{seeded.slug}", headers=tokens.staff)
    assert r.status_code == 200
    assert r.get_json()["seats_used"] == 1
