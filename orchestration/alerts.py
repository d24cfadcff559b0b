"""Alerts to KINERJA_ALERT_WEBHOOK (a JSON POST), when it is set.

Two kinds: files refused by a refresh (sent by the ingest step that refused them: a refusal no
longer fails a step) and failed steps (a crash, a dbt test, the Great Expectations gate). The
warehouse writer lock is not released here: other steps of the run may still write the build.
The run's process holds it until it ends, and the operating system drops it then.
"""

from __future__ import annotations

import dagster as dg
import requests

from orchestration.settings import Settings

ALERT_TIMEOUT = (5, 10)


def send_alert(settings: Settings, alert: dict, log) -> None:
    if not settings.alert_webhook:
        return
    alert = {**alert, "warehouse": str(settings.warehouse)}
    try:
        requests.post(settings.alert_webhook, json=alert, timeout=ALERT_TIMEOUT).raise_for_status()
    except requests.RequestException as exc:
        log.error(f"could not deliver the alert to the webhook: {exc}")


@dg.failure_hook(required_resource_keys={"settings"})
def alert_on_failure(context: dg.HookContext) -> None:
    alert = {
        "kind": "step_failed",
        "run_id": context.run_id,
        "job": context.job_name,
        "failed_step": context.step_key,
        "message": str(context.op_exception or "step failed"),
    }
    send_alert(context.resources.settings, alert, context.log)
