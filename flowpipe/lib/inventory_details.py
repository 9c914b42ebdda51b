"""Inventory tables that take one call per parent resource: EFS mount targets per file system, entries per
managed prefix list, ECS tasks per cluster, and the targets behind every load balancer listener.

Each collector reads the rows already flattened from the single-call tables, so a parent that could not be
listed simply has no children, and each failed child call is recorded and skipped.
"""

from collections.abc import Callable, Iterator

from flowpipe.lib.inventory_calls import ApiCalls
from flowpipe.lib.inventory_rows import mount_target_rows
from flowpipe.lib.inventory_service_rows import (
    classic_target_rows,
    ecs_task_rows,
    lb_target_rows,
    prefix_list_entry_rows,
)

DESCRIBE_TASKS_BATCH = 100  # ecs:DescribeTasks accepts at most 100 task ARNs

Rows = dict[str, list[dict]]


def _mount_targets(calls: ApiCalls, rows: Rows) -> list[dict]:
    found = []
    for file_system in rows["inventory_efs_file_systems"]:
        targets = calls.list(
            "efs", "describe_mount_targets", "MountTargets", FileSystemId=file_system["file_system_id"]
        )
        found += [row for target in targets or [] for row in mount_target_rows(target)]
    return found


def _prefix_lists(calls: ApiCalls, rows: Rows) -> list[dict]:
    found = []
    for prefix_list in calls.list("ec2", "describe_managed_prefix_lists", "PrefixLists") or []:
        entries = calls.list(
            "ec2", "get_managed_prefix_list_entries", "Entries", PrefixListId=prefix_list["PrefixListId"]
        )
        found += prefix_list_entry_rows(prefix_list, entries or [])
    return found


def _ecs_tasks(calls: ApiCalls, rows: Rows) -> list[dict]:
    found = []
    for cluster in calls.list("ecs", "list_clusters", "clusterArns") or []:
        task_arns = calls.list("ecs", "list_tasks", "taskArns", cluster=cluster) or []
        for start in range(0, len(task_arns), DESCRIBE_TASKS_BATCH):
            batch = task_arns[start : start + DESCRIBE_TASKS_BATCH]
            tasks = calls.list("ecs", "describe_tasks", "tasks", cluster=cluster, tasks=batch)
            found += [row for task in tasks or [] for row in ecs_task_rows(task)]
    return found


def _forwarded_groups(listener: dict) -> Iterator[str]:
    """Target groups a listener's default actions forward to (one, or several weighted)."""
    for action in listener.get("DefaultActions", []):
        if action.get("TargetGroupArn"):
            yield action["TargetGroupArn"]
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups", []):
            yield group["TargetGroupArn"]


def _lb_targets(calls: ApiCalls, rows: Rows) -> list[dict]:
    """Every target of every elbv2 target group, under each listener forwarding to it (groups reached
    only through listener rules get a null listener), then the classic ELBs' listener -> instance pairs."""
    balancers = {row["load_balancer_arn"]: row for row in rows["inventory_load_balancers"]}
    groups = calls.list("elbv2", "describe_target_groups", "TargetGroups") if balancers else []
    listeners: dict[str, list[dict]] = {}
    found = []
    for group in groups or []:
        arn = group["TargetGroupArn"]
        health = calls.list("elbv2", "describe_target_health", "TargetHealthDescriptions", TargetGroupArn=arn)
        # dict.fromkeys: each balancer once, in order (moto repeats one per listener forwarding here)
        for balancer_arn in dict.fromkeys(group.get("LoadBalancerArns", [])) if health is not None else []:
            if balancer_arn not in balancers:
                continue
            if balancer_arn not in listeners:
                described = calls.list(
                    "elbv2", "describe_listeners", "Listeners", LoadBalancerArn=balancer_arn
                )
                listeners[balancer_arn] = described or []
            forwarding = [one for one in listeners[balancer_arn] if arn in set(_forwarded_groups(one))]
            for listener in forwarding or [None]:
                found += lb_target_rows(balancers[balancer_arn], listener, group, health)
    for balancer in rows["inventory_classic_load_balancers"]:
        found += classic_target_rows(balancer)
    return found


# table -> collector(calls, rows of the single-call tables); run after TABLE_SOURCES, in this order.
DETAIL_SOURCES: dict[str, Callable[[ApiCalls, Rows], list[dict]]] = {
    "inventory_efs_mount_targets": _mount_targets,
    "inventory_managed_prefix_lists": _prefix_lists,
    "inventory_ecs_tasks": _ecs_tasks,
    "inventory_lb_targets": _lb_targets,
}
