"""The vSphere enumerations the tables hold, declared once.

A column that holds one of these declares it (``Column(..., values=...)``):
``docs/tables.md`` lists the values, and ``Table.frame`` checks every row
against them.  A vCenter is not trusted to keep to them (a hostile or
intercepted one can send any text where an enumeration belongs): a value
outside the list is kept as text, never given a meaning, and logged once.

The lists follow the vSphere API reference; a test compares them with
pyVmomi's enumeration types, so a new vSphere value is noticed.
"""

from __future__ import annotations

# ManagedEntityStatus: every entity's overallStatus / configStatus, alarm states.
STATUS = ("green", "yellow", "red", "gray")
# HostSystemConnectionState, HostSystemPowerState.
HOST_CONNECTION = ("connected", "disconnected", "notResponding")
HOST_POWER = ("poweredOn", "poweredOff", "standBy", "unknown")
# VirtualMachinePowerState, VirtualMachineConnectionState.
VM_POWER = ("poweredOn", "poweredOff", "suspended")
VM_CONNECTION = ("connected", "disconnected", "orphaned", "inaccessible", "invalid")
# VirtualMachineToolsStatus, VirtualMachineToolsRunningStatus,
# VirtualMachineToolsVersionStatus, VirtualMachineGuestState.
TOOLS_STATUS = ("toolsOk", "toolsOld", "toolsNotRunning", "toolsNotInstalled")
TOOLS_RUNNING = ("guestToolsRunning", "guestToolsNotRunning",
                 "guestToolsExecutingScripts")
TOOLS_VERSION = ("guestToolsCurrent", "guestToolsNeedUpgrade", "guestToolsNotInstalled",
                 "guestToolsUnmanaged", "guestToolsTooOld", "guestToolsSupportedOld",
                 "guestToolsSupportedNew", "guestToolsTooNew", "guestToolsBlacklisted")
GUEST_STATE = ("running", "notRunning", "shuttingDown", "resetting", "standby",
               "unknown")
# DatastoreSummaryMaintenanceModeState, DrsBehavior, EventEventSeverity.
DATASTORE_MAINTENANCE = ("normal", "enteringMaintenance", "inMaintenance")
DRS_BEHAVIOR = ("manual", "partiallyAutomated", "fullyAutomated")
EVENT_SEVERITY = ("info", "warning", "error", "user")

# The pyVmomi type of each list (for the test that keeps them in step).
PYVMOMI = {
    "STATUS": "vim.ManagedEntity.Status",
    "HOST_CONNECTION": "vim.HostSystem.ConnectionState",
    "HOST_POWER": "vim.HostSystem.PowerState",
    "VM_POWER": "vim.VirtualMachine.PowerState",
    "VM_CONNECTION": "vim.VirtualMachine.ConnectionState",
    "TOOLS_STATUS": "vim.vm.GuestInfo.ToolsStatus",
    "TOOLS_RUNNING": "vim.vm.GuestInfo.ToolsRunningStatus",
    "TOOLS_VERSION": "vim.vm.GuestInfo.ToolsVersionStatus",
    "GUEST_STATE": "vim.vm.GuestInfo.GuestState",
    "DATASTORE_MAINTENANCE": "vim.Datastore.Summary.MaintenanceModeState",
    "DRS_BEHAVIOR": "vim.cluster.DrsConfigInfo.DrsBehavior",
    "EVENT_SEVERITY": "vim.event.Event.EventSeverity",
}
