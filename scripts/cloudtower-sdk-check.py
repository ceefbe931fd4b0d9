#!/usr/bin/env python3
"""Talks to the simulator's CloudTower dialect with the official Python SDK
(`cloudtower-sdk`), which checks required fields and enum values of every answer it
decodes. Run through scripts/cloudtower-sdk-check.sh, which installs the SDK.

Usage: cloudtower-sdk-check.py BASE_URL PASSWORD   (BASE_URL ends in /v2/api)
Prints one `ok: ...` line per check; any failure raises and exits non-zero.
"""
import sys
import time

from cloudtower import ApiClient, Configuration
from cloudtower.api import (
    BackupRestorePointApi,
    ClusterApi,
    IscsiLunSnapshotApi,
    TaskApi,
    UserApi,
    VdsApi,
    VlanApi,
    VmApi,
    VmSnapshotApi,
)
from cloudtower.exceptions import ApiException
from cloudtower.models import (
    ClusterWhereInput,
    ConsistentType,
    GetBackupRestorePointsRequestBody,
    GetClustersRequestBody,
    GetIscsiLunSnapshotsRequestBody,
    GetTasksRequestBody,
    GetVdsesRequestBody,
    GetVlansRequestBody,
    GetVmSnapshotsRequestBody,
    GetVmsConnectionRequestBody,
    GetVmsRequestBody,
    IscsiLunSnapshotWhereInput,
    LoginInput,
    TaskOrderByInput,
    TaskStatus,
    TaskWhereInput,
    UserSource,
    VdsWhereInput,
    VmOrderByInput,
    VmSnapshotCreationParams,
    VmSnapshotCreationParamsData,
    VmSnapshotWhereInput,
    VmToolsStatus,
    VmWhereInput,
)


def main():
    base, password = sys.argv[1], sys.argv[2]
    conf = Configuration(host=base)
    client = ApiClient(conf)

    try:
        UserApi(client).login(LoginInput(username="admin", password="wrong", source=UserSource.LOCAL))
        raise SystemExit("a wrong password was accepted")
    except ApiException as e:
        assert e.status == 400, e.status
    print("ok: wrong password refused")

    login = UserApi(client).login(LoginInput(username="admin", password=password, source=UserSource.LOCAL))
    conf.api_key["Authorization"] = login.data.token
    print("ok: login")

    clusters = ClusterApi(client).get_clusters(GetClustersRequestBody())
    assert len(clusters) == 4, clusters
    print(f"ok: get_clusters ({len(clusters)})")

    vdses = VdsApi(client).get_vdses(GetVdsesRequestBody(where=VdsWhereInput(
        cluster=ClusterWhereInput(id=clusters[0].id))))
    assert [d.cluster.id for d in vdses] == [clusters[0].id], vdses
    vlans = VlanApi(client).get_vlans(GetVlansRequestBody())
    cluster_of = {d.id: d.cluster.id for d in VdsApi(client).get_vdses(GetVdsesRequestBody())}
    assert all(v.vds.id in cluster_of for v in vlans), "a VLAN on an unlisted VDS"
    print(f"ok: get_vdses ({len(cluster_of)} for {len(vlans)} VLANs)")

    vm_api = VmApi(client)
    count = vm_api.get_vms_connection(GetVmsConnectionRequestBody()).aggregate.count
    vms = vm_api.get_vms(GetVmsRequestBody(order_by=VmOrderByInput.NAME_ASC, first=20))
    assert count >= 20 and len(vms) == 20, (count, len(vms))
    print(f"ok: get_vms ({len(vms)} of {count})")

    target = vm_api.get_vms(GetVmsRequestBody(where=VmWhereInput(
        vm_tools_status=VmToolsStatus.RUNNING, name="财务系统-db01")))[0]
    snap_api = VmSnapshotApi(client)
    created = snap_api.create_vm_snapshot(VmSnapshotCreationParams(data=[
        VmSnapshotCreationParamsData(vm_id=target.id, name="sdk-snapshot",
                                     consistent_type=ConsistentType.FILE_SYSTEM_CONSISTENT)]))
    task_id, snap_id = created[0].task_id, created[0].data.id
    print("ok: create_vm_snapshot")

    task_api = TaskApi(client)
    deadline = time.time() + 60
    while True:
        task = task_api.get_tasks(GetTasksRequestBody(where=TaskWhereInput(id=task_id)))[0]
        if task.status in (TaskStatus.SUCCESSED, TaskStatus.FAILED):
            break
        assert time.time() < deadline, "task never ends"
        time.sleep(0.1)
    assert task.status == TaskStatus.SUCCESSED, task
    print("ok: get_tasks until SUCCESSED")

    snap = snap_api.get_vm_snapshots(GetVmSnapshotsRequestBody(where=VmSnapshotWhereInput(id=snap_id)))[0]
    names = [d.snapshot_local_id for d in snap.vm_disks if d.type == "DISK"]
    luns = IscsiLunSnapshotApi(client).get_iscsi_lun_snapshots(GetIscsiLunSnapshotsRequestBody(
        where=IscsiLunSnapshotWhereInput(name_in=names)))
    assert len(luns) == len(names) > 0, (names, luns)
    print(f"ok: get_iscsi_lun_snapshots ({len(luns)})")

    recent = task_api.get_tasks(GetTasksRequestBody(order_by=TaskOrderByInput.LOCAL_CREATED_AT_DESC, first=50))
    assert recent, "no tasks"
    print(f"ok: recent tasks ({len(recent)})")

    points = BackupRestorePointApi(client).get_backup_restore_points(GetBackupRestorePointsRequestBody(first=50))
    assert points, "no restore points"
    print(f"ok: get_backup_restore_points ({len(points)})")


if __name__ == "__main__":
    main()
