"""Racing requests on one object: exactly one wins, the others get the conflict (moto's HTTP server)."""
from concurrent.futures import ThreadPoolExecutor

from chalicelib.data.accounts import Account
from chalicelib.errors import AppError
from chalicelib.reference import SmsPurpose
from chalicelib.schemas.orgs import RegisterVolunteerOrgIn
from chalicelib.services import accounts, credit_code, sms, volunteer_orgs
from tests.builders import PASSWORD, next_phone

THREADS = 8


def _race(work, count=THREADS):
    def attempt(i):
        try:
            return work(i), None
        except AppError as exc:
            return None, exc.code.name
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_only_one_of_many_registrations_takes_an_account_name(dynamodb_server, outbox):
    phones = [next_phone() for _ in range(THREADS)]
    bodies = []
    for i, phone in enumerate(phones):
        sms.send_code(phone, SmsPurpose.ORG_CONTACT, client="198.51.100.1")
        body17 = f"5144030000000{i:04d}"
        bodies.append(RegisterVolunteerOrgIn.model_validate({
            "account_name": "same_name", "password": PASSWORD, "org_name": f"组织{i}", "org_kind": "registered",
            "credit_code": body17 + credit_code.check_character(body17), "filing_number": "粤民备1",
            "contact_name": "王五", "contact_phone": phone, "sms_code": outbox.last_code(phone)}))
    results = _race(lambda i: volunteer_orgs.register(bodies[i], source_ip="203.0.113.5"))
    winners = [account for account, _ in results if account is not None]
    assert len(winners) == 1
    assert sorted(code for _, code in results if code) == ["ACCOUNT_NAME_TAKEN"] * (THREADS - 1)
    assert [a.account_id for a in Account.by_role_status.query("volunteer_org#pending_review")] == \
        [winners[0].account_id]


def test_one_sms_code_is_spent_once_under_concurrent_use(dynamodb_server, outbox):
    phone = next_phone()
    sms.send_code(phone, SmsPurpose.REGISTER, client="198.51.100.1")
    code = outbox.last_code(phone)
    results = _race(lambda i: accounts.register_individual(phone=phone, sms_code=code, display_name=f"人{i}",
                                                           password=PASSWORD))
    assert sum(1 for pair, _ in results if pair is not None) == 1
    assert {code for _, code in results if code} <= {"SMS_CODE_EXPIRED", "PHONE_ALREADY_REGISTERED"}


def test_the_race_tests_really_talk_to_the_http_endpoint(dynamodb_server):
    import boto3

    client = boto3.client("dynamodb", endpoint_url=dynamodb_server)
    assert "yce-test-accounts" in client.list_tables()["TableNames"]
    assert Account._get_connection().connection.host == dynamodb_server
