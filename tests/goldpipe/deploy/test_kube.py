"""Retries of the Kubernetes API wrapper: transient failures back off, the rest fail clearly."""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import NewConnectionError

from goldpipe.deploy.kube import AlreadyExistsError, KubeError, NotFoundError, with_retries


def failing(*errors, result="ok"):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return call, calls


def api_error(status, body='{"message": "boom"}'):
    error = ApiException(status=status, reason="Reason")
    error.body = body
    return error


def test_transient_errors_are_retried_with_growing_delays():
    call, calls = failing(api_error(503), api_error(429), api_error(409, '{"reason": "Conflict"}'))
    delays = []
    assert with_retries(call, "apply x", sleep=delays.append) == "ok"
    assert len(calls) == 4
    assert delays[0] < delays[2] and all(d > 0 for d in delays)


def test_connection_errors_are_retried_then_reported():
    call, _ = failing(*[NewConnectionError(None, "refused")] * 5)
    with pytest.raises(KubeError, match="cannot reach the Kubernetes API server"):
        with_retries(call, "list x", sleep=lambda _: None)


def test_permanent_errors_fail_at_once_with_the_servers_message():
    call, calls = failing(api_error(403, '{"message": "forbidden: cannot list"}'))
    with pytest.raises(KubeError, match="list x failed: HTTP 403 Reason: forbidden: cannot list"):
        with_retries(call, "list x", sleep=lambda _: None)
    assert len(calls) == 1


def test_not_found_and_already_exists_are_distinct():
    with pytest.raises(NotFoundError):
        with_retries(failing(api_error(404))[0], "get x", sleep=lambda _: None)
    with pytest.raises(AlreadyExistsError):
        with_retries(
            failing(api_error(409, '{"reason": "AlreadyExists"}'))[0], "create x", sleep=lambda _: None
        )


def test_retries_give_up_after_the_last_attempt():
    call, calls = failing(*[api_error(500)] * 10)
    with pytest.raises(KubeError, match="HTTP 500"):
        with_retries(call, "x", attempts=3, sleep=lambda _: None)
    assert len(calls) == 3
