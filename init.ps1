<#
.SYNOPSIS
vCompanion set-up for Windows: creates .venv, installs vCompanion into it and
copies config.example.json to config.json.

.DESCRIPTION
  .\init.ps1         install vCompanion
  .\init.ps1 -Dev    install vCompanion plus the test tools (pytest, Playwright, ...)

Safe to run again at any time: an existing good .venv is kept, and the pip
step is skipped while pyproject.toml is unchanged since the last successful
install. Set $env:VCOMPANION_PYTHON to a python.exe to choose the Python.
The Linux twin of this script is init.sh; both mark their steps with the same
"# STEP:" lines, in the same order (tests/test_scripts.py checks this).
If PowerShell refuses to run scripts, see INSTALL.md (execution policy).
This file must stay plain ASCII (Windows PowerShell 5.1 reads it as ANSI).
#>
[CmdletBinding()]
param(
    [switch]$Dev
)

$ErrorActionPreference = 'Stop'

$MinPy = '3.12'
$Root = $PSScriptRoot
$Venv = Join-Path $Root '.venv'
$VenvPy = Join-Path $Venv 'Scripts\python.exe'
$Stamp = Join-Path $Venv '.vcompanion-install-stamp'
$Flavour = 'base'
if ($Dev) { $Flavour = 'dev' }

# Python code passed with -c contains no double quotes: Windows PowerShell 5.1
# mangles double quotes inside arguments of native commands.
# Exit code 0: Python >= 3.12 with venv; 1: too old; 2: venv/ensurepip missing.
$ProbeCode = "import sys; v = sys.version_info; print('%d.%d.%d' % v[:3]); " +
    "import importlib.util as u; ok = u.find_spec('venv') is not None and u.find_spec('ensurepip') is not None; " +
    "sys.exit(1 if v < (3, 12) else (0 if ok else 2))"
$VenvCheckCode = "import sys, pip; sys.exit(0 if sys.version_info >= (3, 12) else 1)"

function Say([string]$Message) {
    Write-Host "==> $Message"
}

function Fail([string]$Message) {
    Write-Host "ERROR: $Message" -ForegroundColor Red
    exit 1
}

# Runs a native command with its output on the console; returns its exit code.
# ErrorActionPreference is relaxed here so that text on stderr (pip warnings)
# is not turned into a terminating error.
function Invoke-Native([string]$Exe, [string[]]$Arguments) {
    $ErrorActionPreference = 'Continue'
    & $Exe @Arguments | Out-Host
    return $LASTEXITCODE
}

# Returns @{ Version = '3.12.4'; Code = 0|1|2 } for a working Python, or $null
# when the command does not exist or does not run (e.g. the Microsoft Store
# "python.exe" stub, or "py -3.13" when 3.13 is not installed).
function Test-Python([string]$Exe, [string[]]$PreArgs) {
    $ErrorActionPreference = 'Continue'
    if (-not (Get-Command $Exe -ErrorAction SilentlyContinue)) { return $null }
    try {
        $out = & $Exe @PreArgs -c $ProbeCode 2>$null
        $code = $LASTEXITCODE
    } catch {
        return $null
    }
    $line = "$(@($out) | Select-Object -Last 1)".Trim()
    if ($line -notmatch '^\d+\.\d+\.\d+$') { return $null }
    return @{ Version = $line; Code = $code }
}

# STEP: find-python
$candidates = New-Object System.Collections.Generic.List[object]
if ($env:VCOMPANION_PYTHON) {
    $candidates.Add(@{ Exe = $env:VCOMPANION_PYTHON; PreArgs = @() })
}
foreach ($v in @('-3.13', '-3.12', '-3')) {
    $candidates.Add(@{ Exe = 'py'; PreArgs = @($v) })
}
$candidates.Add(@{ Exe = 'python'; PreArgs = @() })
$candidates.Add(@{ Exe = 'python3'; PreArgs = @() })

$Python = $null
$PythonVersion = $null
$NoVenv = $null
foreach ($c in $candidates) {
    $r = Test-Python $c.Exe $c.PreArgs
    if ($null -eq $r) { continue }
    if ($r.Code -eq 0) {
        $Python = $c
        $PythonVersion = $r.Version
        break
    }
    if ($r.Code -eq 2) { $NoVenv = "$($c.Exe) $($c.PreArgs -join ' ') ($($r.Version))" }
}
if ($null -eq $Python) {
    Write-Host ""
    Write-Host "ERROR: vCompanion needs Python $MinPy or newer, and none was found." -ForegroundColor Red
    if ($NoVenv) {
        Write-Host "  $NoVenv is new enough but has no 'venv' module; reinstall it from python.org."
    }
    Write-Host "Install it like this, then open a NEW PowerShell window and run .\init.ps1 again:"
    Write-Host "  1. Download the Windows installer of Python 3.12 or 3.13 from"
    Write-Host "     https://www.python.org/downloads/windows/"
    Write-Host "  2. On the installer's first page tick 'Add python.exe to PATH',"
    Write-Host "     then click 'Install Now'."
    Write-Host "Or set `$env:VCOMPANION_PYTHON to the full path of a python.exe (3.12 or newer)."
    exit 1
}
$PythonLabel = ("$($Python.Exe) $($Python.PreArgs -join ' ')").Trim()
Say "Python $PythonVersion`: $PythonLabel"

# STEP: create-venv
if (Test-Path -LiteralPath $Venv) {
    $good = $false
    if (Test-Path -LiteralPath $VenvPy) {
        try {
            $rc = Invoke-Native $VenvPy @('-c', $VenvCheckCode)
            $good = ($rc -eq 0)
        } catch {
            $good = $false
        }
    }
    if ($good) {
        Say "Re-using $Venv"
    } else {
        Say "$Venv is broken or too old: recreating it"
        try {
            Remove-Item -LiteralPath $Venv -Recurse -Force
        } catch {
            Fail "could not delete $Venv ($($_.Exception.Message)). Stop vCompanion if it is running, then run .\init.ps1 again."
        }
    }
}
if (-not (Test-Path -LiteralPath $Venv)) {
    Say "Creating $Venv"
    $rc = Invoke-Native $Python.Exe (@($Python.PreArgs) + @('-m', 'venv', $Venv))
    if ($rc -ne 0) { Fail "could not create $Venv with $PythonLabel" }
}

# STEP: install-project
$Hash = (Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $Root 'pyproject.toml')).Hash.ToLower()
$Want = "$Hash $Flavour"
$Have = ''
if (Test-Path -LiteralPath $Stamp) { $Have = "$(Get-Content -LiteralPath $Stamp -Raw)".Trim() }
# A dev install contains everything a base install has.
if (($Have -eq $Want) -or (($Flavour -eq 'base') -and ($Have -eq "$Hash dev"))) {
    Say "Dependencies up to date (pyproject.toml unchanged since the last install): skipping pip"
} else {
    Say "Upgrading pip"
    $rc = Invoke-Native $VenvPy @('-m', 'pip', 'install', '--quiet', '--upgrade', 'pip')
    if ($rc -ne 0) { Write-Host "WARNING: could not upgrade pip; continuing with the installed one" -ForegroundColor Yellow }
    $Target = '.'
    if ($Flavour -eq 'dev') { $Target = '.[dev]' }
    Say "Installing vCompanion ($Flavour) into $Venv; this takes a few minutes the first time, and pip prints little until it is done"
    if (Test-Path -LiteralPath $Stamp) { Remove-Item -LiteralPath $Stamp -Force }
    Push-Location $Root
    try {
        $rc = Invoke-Native $VenvPy @('-m', 'pip', 'install', '--quiet', '-e', $Target)
    } finally {
        Pop-Location
    }
    if ($rc -ne 0) {
        Fail "pip install failed (see the messages above). If vCompanion is running, stop it first; behind a proxy set `$env:HTTPS_PROXY."
    }
    Set-Content -LiteralPath $Stamp -Value $Want -Encoding Ascii
}

# STEP: copy-config
$Config = Join-Path $Root 'config.json'
$Example = Join-Path $Root 'config.example.json'
if (Test-Path -LiteralPath $Config) {
    Say "config.json exists: left as it is"
} elseif (Test-Path -LiteralPath $Example) {
    Copy-Item -LiteralPath $Example -Destination $Config
    Say "Created config.json from config.example.json"
} else {
    Write-Host "WARNING: config.example.json not found; create config.json yourself (see INSTALL.md)" -ForegroundColor Yellow
}

# STEP: next-steps
Write-Host ""
Write-Host "vCompanion is installed. Next steps:"
Write-Host "  1. Edit config.json: list your vCenter Servers (see INSTALL.md):"
Write-Host "       notepad config.json"
Write-Host "  2. Store the read-only account:   .\.venv\Scripts\vcompanion.exe credentials set"
Write-Host "  3. Check the connections:         .\.venv\Scripts\vcompanion.exe check"
Write-Host "  4. Start the web interface:       .\.venv\Scripts\vcompanion.exe serve"
Write-Host "     then open http://localhost:5006 (try it without a vCenter: .\.venv\Scripts\vcompanion.exe serve --demo)"
exit 0
