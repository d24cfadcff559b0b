"""On a failed step: POST an alert to KINERJA_ALERT_WEBHOOK when it is set.

The warehouse writer lock is not released here: other steps of the run may still write the
build. The run's process holds it until it ends, and the operating system drops it then.
"""

import dagster as dg
import requests

ALERT_TIMEOUT = (5, 10)


@dg.failure_hook(required_resource_keys={"paths"})
def alert_on_failure(context: dg.HookContext) -> None:
    settings = context.resources.paths.settings
    if not settings.alert_webhook:
        return
    alert = {
        "run_id": context.run_id,
        "job": context.job_name,
        "failed_step": context.step_key,
        "message": str(context.op_exception or "step failed"),
        "warehouse": str(settings.warehouse),
    }
    try:
        requests.post(settings.alert_webhook, json=alert, timeout=ALERT_TIMEOUT).raise_for_status()
    except requests.RequestException as exc:
        context.log.error(f"could not deliver the failure alert to the webhook: {exc}")
