<#
.SYNOPSIS
  Installs the siteport agent (the single executable siteport-agent.exe) as the Windows service
  "siteport-agent", run by WinSW with siteport-agent-service.xml.

.EXAMPLE
  .\install-agent.ps1 -ManagementPoint mp1.example.org -SiteCode PS1 -CaFingerprint <from the server banner> `
      -WinSW .\WinSW-x64.exe

.NOTES
  Run from an elevated PowerShell, in the folder holding siteport-agent.exe (npm run package:agent-sea
  on Windows builds it) and siteport-agent-service.xml. -Uninstall stops and removes the service; the
  state folder (the client's key and identity) is kept.
#>
[CmdletBinding()]
param(
  [string]$ManagementPoint,
  [string]$SiteCode = 'AUTO',
  [string]$CaFingerprint,
  [int]$HttpPort = 80,
  [int]$HttpsPort = 443,
  [string]$WinSW,
  [string]$InstallDir = (Join-Path $env:ProgramFiles 'siteport-agent'),
  [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'install-agent.ps1 must run in an elevated PowerShell (Run as administrator).'
}
$dataDir = Join-Path $env:ProgramData 'siteport-agent'
$stateDir = Join-Path $dataDir 'state'
$wrapper = Join-Path $InstallDir 'siteport-agent-service.exe'

if ($Uninstall) {
  if (Get-Service -Name 'siteport-agent' -ErrorAction SilentlyContinue) {
    & $wrapper stop | Out-Null
    & $wrapper uninstall
  }
  Write-Output "siteport-agent removed; the state in $stateDir is kept."
  return
}

if (-not $ManagementPoint) { throw 'give -ManagementPoint (the host name of a management point of the site).' }
if (-not $WinSW -or -not (Test-Path $WinSW)) { throw 'give -WinSW with the path of WinSW-x64.exe (the Windows Service Wrapper).' }
if (-not $CaFingerprint) { Write-Warning 'no -CaFingerprint: the agent will trust the site CA it first sees.' }

New-Item -ItemType Directory -Force -Path $InstallDir, $dataDir | Out-Null
Copy-Item -Force (Join-Path $PSScriptRoot 'siteport-agent.exe') (Join-Path $InstallDir 'siteport-agent.exe')
Copy-Item -Force (Join-Path $PSScriptRoot 'siteport-agent-service.xml') (Join-Path $InstallDir 'siteport-agent-service.xml')
Copy-Item -Force $WinSW $wrapper

# The state folder holds the client's private key: SYSTEM and Administrators only, nothing inherited.
New-Item -ItemType Directory -Force -Path $stateDir | Out-Null
& icacls.exe $dataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls could not restrict $dataDir" }

$properties = @("SMSMP=$ManagementPoint", "SMSSITECODE=$SiteCode", "CCMHTTPPORT=$HttpPort", "CCMHTTPSPORT=$HttpsPort")
if ($CaFingerprint) { $properties += "SMSCAFINGERPRINT=$CaFingerprint" }
& (Join-Path $InstallDir 'siteport-agent.exe') setup --state $stateDir @properties
if ($LASTEXITCODE -ne 0) { throw "siteport-agent setup failed (exit $LASTEXITCODE); nothing was registered." }

& $wrapper install
if ($LASTEXITCODE -ne 0) { throw "registering the service failed (exit $LASTEXITCODE)." }
Start-Service -Name 'siteport-agent'
Write-Output "siteport-agent is running; status: & '$InstallDir\siteport-agent.exe' client status --state '$stateDir'"
