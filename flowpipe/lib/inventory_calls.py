"""The inventory's API calls for one account and region: every item of a call, or a recorded error.

A call that fails (no permission, no credentials, service absent in the region, no connection) becomes an
error row and returns None, so one failed API never stops the others.
"""

from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError


def error_row(account_id: str, region: str, api: str, error: Exception) -> dict:
    """A row of the inventory's errors table: which call failed, with AWS's error code and message."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "ClientError")
        message = error.response.get("Error", {}).get("Message", str(error))
    else:
        code, message = type(error).__name__, str(error)
    return {"account_id": account_id, "region": region, "api": api, "error_code": code, "message": message}


def api_name(client: BaseClient, operation: str) -> str:
    """The IAM action of a call, e.g. "elasticfilesystem:DescribeMountTargets" (signing name = IAM prefix)."""
    return f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping[operation]}"


@dataclass
class ApiCalls:
    """The clients of one account and region, and the errors of the calls made through them."""

    clients: dict[str, BaseClient]
    account_id: str
    region: str
    errors: list[dict] = field(default_factory=list)

    def list(self, service: str, operation: str, result_key: str, **kwargs: Any) -> list[dict] | None:
        """Every item of a list/describe call (through its paginator when botocore has one); None if it
        failed, the failure recorded."""
        client = self.clients[service]
        try:
            if not client.can_paginate(operation):
                return getattr(client, operation)(**kwargs).get(result_key, [])
            items: list[dict] = []
            for page in client.get_paginator(operation).paginate(**kwargs):
                items.extend(page.get(result_key, []))
            return items
        except (
            ClientError,
            BotoCoreError,
        ) as error:  # BotoCoreError: no credentials, no connection, timeouts
            self.errors.append(error_row(self.account_id, self.region, api_name(client, operation), error))
            return None
