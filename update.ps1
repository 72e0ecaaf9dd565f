<#
.SYNOPSIS
vCompanion update for Windows: pulls the latest version with git and
reinstalls the dependencies through init.ps1.

.DESCRIPTION
  .\update.ps1         update (keeps a -Dev install a -Dev install)
  .\update.ps1 -Dev    update and install the test tools too

Your config.json, logs\ and data\ are not tracked by git and are never
touched. Stop a running "vcompanion serve" first and start it again after.
The Linux twin of this script is update.sh; both mark their steps with the
same "# STEP:" lines, in the same order (tests/test_scripts.py checks this).
This file must stay plain ASCII (Windows PowerShell 5.1 reads it as ANSI).
#>
[CmdletBinding()]
param(
    [switch]$Dev
)

$ErrorActionPreference = 'Stop'

$Root = $PSScriptRoot
$Exe = Join-Path $Root '.venv\Scripts\vcompanion.exe'
$StampPath = Join-Path $Root '.venv\.vcompanion-install-stamp'

function Fail([string]$Message) {
    Write-Host "ERROR: $Message" -ForegroundColor Red
    exit 1
}

# Runs a native command with its output on the console; returns its exit code.
function Invoke-Native([string]$Command, [string[]]$Arguments) {
    $ErrorActionPreference = 'Continue'
    & $Command @Arguments | Out-Host
    return $LASTEXITCODE
}

function Get-VcompanionVersion {
    if (-not (Test-Path -LiteralPath $Exe)) { return '(not installed)' }
    $ErrorActionPreference = 'Continue'
    try {
        $out = & $Exe --version 2>$null
        if ($LASTEXITCODE -ne 0) { return '(unknown)' }
    } catch {
        return '(unknown)'
    }
    return "$(@($out) -join ' ')".Trim()
}

# Keep the flavour of the last install (init.ps1 writes it into this stamp).
$UseDev = [bool]$Dev
if ((-not $UseDev) -and (Test-Path -LiteralPath $StampPath)) {
    if ("$(Get-Content -LiteralPath $StampPath -Raw)".Trim().EndsWith(' dev')) { $UseDev = $true }
}

# STEP: check-clean
if (-not (Get-Command git -ErrorAction SilentlyContinue)) {
    Fail "git was not found. Install Git for Windows (https://git-scm.com/download/win), open a new PowerShell window and try again."
}
$ErrorActionPreference = 'Continue'
$changes = @(& git -C $Root status '--porcelain' '--untracked-files=no' 2>$null)
$gitCode = $LASTEXITCODE
if ($gitCode -ne 0) {
    & git -C $Root status 2>&1 | Out-Host
}
$ErrorActionPreference = 'Stop'
if ($gitCode -ne 0) {
    Fail "git cannot use $Root (see git's message above); update.ps1 needs a folder made with 'git clone'."
}
if ($changes.Count -gt 0) {
    Write-Host "ERROR: not updating: these files tracked by git have local changes:" -ForegroundColor Red
    foreach ($line in $changes) { Write-Host "    $line" }
    Write-Host "Save a copy of your changes, then undo them with 'git checkout -- <file>'"
    Write-Host "(or keep them with 'git stash') and run .\update.ps1 again."
    Write-Host "config.json, logs\ and data\ are not tracked and need nothing."
    exit 1
}
# Windows cannot replace vcompanion.exe while it runs.
$running = @(Get-Process -Name vcompanion -ErrorAction SilentlyContinue |
    Where-Object { $_.Path -and $_.Path.StartsWith($Root, [System.StringComparison]::OrdinalIgnoreCase) })
if ($running.Count -gt 0) {
    Fail "vCompanion is running from this folder (process id $($running[0].Id)). Stop it, then run .\update.ps1 again."
}

# STEP: version-before
$Before = Get-VcompanionVersion
Write-Host "==> Version before: $Before"

# STEP: git-pull
Write-Host "==> git pull --ff-only"
$rc = Invoke-Native 'git' @('-C', $Root, 'pull', '--ff-only')
if ($rc -ne 0) {
    Fail "'git pull --ff-only' failed (see above). Nothing was changed. Check the network access to the git server."
}

# STEP: reinstall
$InitArgs = ''
if ($UseDev) { $InitArgs = ' -Dev' }
Write-Host "==> Reinstalling the dependencies: .\init.ps1$InitArgs"
# init.ps1 ends with "exit N", which sets $LASTEXITCODE and returns here.
$global:LASTEXITCODE = 0
try {
    & (Join-Path $Root 'init.ps1') -Dev:$UseDev
} catch {
    Fail "init.ps1 failed after the update: $($_.Exception.Message)"
}
if ($LASTEXITCODE -ne 0) {
    Fail "init.ps1 failed after the update (see above)."
}

# STEP: version-after
$After = Get-VcompanionVersion
Write-Host "==> Version before: $Before"
Write-Host "==> Version after:  $After"
exit 0
