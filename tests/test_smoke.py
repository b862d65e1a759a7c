def test_health_answers_without_a_token(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "stage": "test"}
