<#
.SYNOPSIS
  Registers a Windows scheduled task that starts `vcompanion scheduler` at
  start-up (alerts and scheduled reports), whether or not anyone is logged on.

.DESCRIPTION
  Run in an elevated PowerShell ("Run as administrator") from the vcompanion
  folder:

      powershell -ExecutionPolicy Bypass -File .\scripts\register-scheduler-task.ps1

  The task runs as the Windows account you give (default: you). Store the
  vCenter and SMTP passwords AS THAT ACCOUNT first (the Windows Credential
  Manager is per user):

      .\.venv\Scripts\vcompanion.exe credentials set
      .\.venv\Scripts\vcompanion.exe credentials set --smtp     # only with alerts.email.username

  The account needs the "Log on as a batch job" right (administrators have it).
  Run only ONE scheduler per config.json: two would send every alert twice.

.PARAMETER InstallDir
  The vcompanion folder (default: the folder above this script).
.PARAMETER Config
  The settings file (default: config.json in InstallDir).
.PARAMETER User
  Windows account the task runs as (default: the current user, DOMAIN\name).
.PARAMETER TaskName
  Name shown in Task Scheduler (default: vCompanion scheduler).
#>
param(
    [string]$InstallDir = (Split-Path -Parent $PSScriptRoot),
    [string]$Config = "",
    [string]$User = "$env:USERDOMAIN\$env:USERNAME",
    [string]$TaskName = "vCompanion scheduler"
)
$ErrorActionPreference = "Stop"

$InstallDir = (Resolve-Path $InstallDir).Path
if (-not $Config) { $Config = Join-Path $InstallDir "config.json" }
$exe = Join-Path $InstallDir ".venv\Scripts\vcompanion.exe"
if (-not (Test-Path $exe)) { throw "vcompanion.exe not found at $exe - run .\init.ps1 first" }
if (-not (Test-Path $Config)) { throw "settings file not found: $Config" }

# Check the settings and the job list before registering anything.
& $exe --config $Config scheduler --list
if ($LASTEXITCODE -ne 0) { throw "vcompanion scheduler --list failed (exit $LASTEXITCODE); fix config.json first" }

$credential = Get-Credential -UserName $User -Message "Windows password of $User (the task runs as this account)"
$password = $credential.GetNetworkCredential().Password

$action = New-ScheduledTaskAction -Execute $exe `
    -Argument "--config `"$Config`" scheduler" -WorkingDirectory $InstallDir
$trigger = New-ScheduledTaskTrigger -AtStartup
$trigger.Delay = "PT1M"   # let the network come up first
$settings = New-ScheduledTaskSettingsSet `
    -ExecutionTimeLimit ([TimeSpan]::Zero) `
    -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -MultipleInstances IgnoreNew -StartWhenAvailable `
    -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries

Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger `
    -Settings $settings -User $credential.UserName -Password $password -RunLevel Limited `
    -Description "vCompanion: alerts and scheduled reports (vcompanion scheduler)" -Force | Out-Null
$password = $null

Start-ScheduledTask -TaskName $TaskName
Start-Sleep -Seconds 3
Get-ScheduledTask -TaskName $TaskName | Get-ScheduledTaskInfo |
    Format-List TaskName, LastRunTime, LastTaskResult, NextRunTime
Write-Host "Registered and started '$TaskName'. Its log: $(Join-Path $InstallDir 'logs\vcompanion.log') (or logs_dir in config.json)."
Write-Host "Stop it:   Stop-ScheduledTask -TaskName '$TaskName'"
Write-Host "Remove it: Unregister-ScheduledTask -TaskName '$TaskName' -Confirm:`$false"
