"""The sandbox's GET /merchant-result-list: faithful to the contract, results that progress deterministically."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from batch_enrol.sandbox import DEFAULT_TOKEN, Faults, Sandbox
from batch_enrol.schema import ENDPOINT, RESULT_LIST, ResultPage


def body(i: int, position: str = "Support") -> dict:
    return dict(candidate_name=f"Person {i}", candidate_email=f"person{i}@example.org", candidate_country_code="SK",
                candidate_resume="CV", position_name=position, position_location="Bratislava",
                position_country_code="SK", mojito_language_code="en")  # fmt: skip


def talk(sandbox: Sandbox, script):
    async def main():
        transport = httpx.ASGITransport(app=sandbox.app)
        headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=headers) as http:
            return await script(http)

    return asyncio.run(main())


def enrol(sandbox: Sandbox, n: int, position: str = "Support") -> list[dict]:
    async def script(http):
        return [(await http.post(ENDPOINT, json=body(i, position))).json() for i in range(n)]

    return talk(sandbox, script)


def read(sandbox: Sandbox, **params) -> httpx.Response:
    async def script(http):
        return await http.get(RESULT_LIST, params=params)

    return talk(sandbox, script)


def test_an_enrolment_is_listed_as_pre_screening_until_its_interview_is_completed():
    sandbox = Sandbox()
    (first,) = enrol(sandbox, 1)
    answer = read(sandbox, profile_interview_id=first["profile_interview_id"])
    assert answer.status_code == 200
    (row,) = ResultPage.model_validate(answer.json()).data
    assert row.profile_interview_id == first["profile_interview_id"] and row.definition_id == first["interview_def_set_id"]
    assert (row.coach_status, row.score, row.interview_result_id, row.position_step) == ("not_started", None, None, "pre-screening")
    assert sandbox.complete_interviews() == 1 and sandbox.complete_interviews() == 0  # person0 is accepted
    (done,) = ResultPage.model_validate(read(sandbox, profile_interview_id=first["profile_interview_id"]).json()).data
    assert done.coach_status == "completed" and 0 <= done.score <= 100 and done.interview_result_id
    assert done.decision_status == ("selected" if done.score >= 60 else "rejected")


def test_results_are_the_same_for_the_same_candidate_in_another_sandbox():
    scores = []
    for _ in range(2):
        sandbox = Sandbox(Faults(seed=7), complete_interviews=True)
        enrol(sandbox, 5)
        rows = ResultPage.model_validate(read(sandbox, limit=10).json()).data
        scores.append(sorted((r.candidate_email, r.score, r.decision_status) for r in rows))
    assert scores[0] == scores[1] and len({s for _, s, _ in scores[0]}) > 1


def test_paging_by_interview_follows_limit_and_offset():
    sandbox = Sandbox()
    enrolled = enrol(sandbox, 5) + enrol(sandbox, 2, "Other")
    interview = enrolled[0]["interview_def_set_id"]
    seen = []
    for offset in (0, 2, 4):
        page = ResultPage.model_validate(read(sandbox, interview_id=interview, limit=2, offset=offset).json())
        assert page.pagination.total == 5 and page.pagination.has_more == (offset < 4)
        seen += [r.profile_interview_id for r in page.data]
    assert sorted(seen) == sorted(e["profile_interview_id"] for e in enrolled[:5])


def test_bad_queries_and_tokens_are_answered_as_the_contract_says():
    sandbox = Sandbox()
    enrol(sandbox, 1)
    for params, name in (({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"),
                         ({"interview_id": "nope"}, "interview_id"), ({"step": "final"}, "step")):  # fmt: skip
        answer = read(sandbox, **params)
        assert answer.status_code == 422 and answer.json()["name"] == name
    assert read(sandbox, profile_interview_id=str(uuid.uuid4())).json()["data"] == []

    async def stranger(http):
        return await http.get(RESULT_LIST, headers={"Authorization": "Bearer wrong"})

    assert talk(sandbox, stranger).status_code == 401


def test_the_control_endpoint_completes_interviews_over_http():
    sandbox = Sandbox()
    enrol(sandbox, 3)

    async def script(http):
        return (await http.post("/__sandbox/complete-interviews")).json()

    completed = talk(sandbox, script)["completed"]
    assert completed == sum(1 for r in read(sandbox).json()["data"] if r["coach_status"] == "completed")
    assert completed and all(r["coach_status"] == "completed" or r["status"].endswith("reject") for r in read(sandbox).json()["data"])
