#Requires -Version 5.1
<#
.SYNOPSIS
    Registers the Windows scheduled task "AssetSync", which runs scheduled_sync.py every day at the
    sync times (default 08:00, 12:00, 16:00 and 20:00 local time). Run it again to update the task;
    -Uninstall removes it.

.DESCRIPTION
    Run it once, as Administrator, in the assetsync project folder (the one with scheduled_sync.py
    and .venv). It registers the task AssetSync in the root folder "\" of Task Scheduler, so
    Get-ScheduledTask, Get-ScheduledTaskInfo and Start-ScheduledTask -TaskName "AssetSync" work.

    The task runs the project's own Python (.venv\Scripts\python.exe, else venv\Scripts\python.exe,
    or -PythonPath; never "python" from PATH) with "<project>\scheduled_sync.py", started in the
    project folder; no secret is on the command line. One daily trigger per time, as local
    wall-clock time (08:00 stays 08:00 across daylight saving). Missed runs start when the PC is
    back; a start while a run is going is ignored; a run is stopped after -ExecutionTimeLimit. It
    runs whether or not anyone is logged on, as S4U (no stored password) with RunLevel Limited.

    The settings come from the project's Python: the script runs "python -m assetsync config
    --json" and uses its sync times (ASSETSYNC_SYNC_TIMES) and log folder (ASSETSYNC_LOG_DIR), so
    the task and the sync read the same .env with the same rules. This script never parses .env.
    It also registers the Event Log source "assetsync" in the Application log, for the sync's
    alerts (docs\alerts.md); -Uninstall removes it.

    Running it again replaces the task in place (-Force); it never prompts. -WhatIf changes
    nothing and works without elevation. Exit code 0 on success, 1 with one error message.
    Dot-sourcing it (. .\setup_sync_schedule.ps1) only defines its functions, for tests.
    Every option, the accounts and the Last Run Result codes: docs\windows-task-scheduler.md.

.PARAMETER TaskName
    Name of the task. Default AssetSync.

.PARAMETER TaskPath
    Task Scheduler folder of the task. Default "\" (the root, where the Get-/Start- commands look).

.PARAMETER ProjectDir
    The project folder (holds scheduled_sync.py). Default: the folder of this script.

.PARAMETER PythonPath
    Full path of python.exe. Default: .venv\Scripts\python.exe in the project folder, then
    venv\Scripts\python.exe. It must exist; PATH is never searched.

.PARAMETER At
    Daily start times, 24-hour HH:mm, local time; 1 to 48, no duplicates. Without -At, the
    ASSETSYNC_SYNC_TIMES setting as the project's Python reads it (default the four times above).

.PARAMETER ExecutionTimeLimit
    Task Scheduler stops a longer run. Default 1 hour; must be shorter than the smallest gap
    between two runs, so a hung run never blocks the next one.

.PARAMETER RestartCount
    Retries when the program cannot be launched (1-255, default 3); a sync that fails is not retried.

.PARAMETER RestartInterval
    Wait between those retries (1 minute to 31 days, default 5 minutes).

.PARAMETER LogonType
    S4U (default): no stored password, no Windows-authenticated network access. Password: with a
    stored password (needs -Credential). Interactive: only while the user is logged on.
    ServiceAccount: a built-in account such as NT AUTHORITY\LOCALSERVICE.

.PARAMETER UserId
    Account the task runs as. Default: the current user; for ServiceAccount, LOCALSERVICE. Another
    account is granted read access to the project and write access to the logs (see -SkipAcl).

.PARAMETER Credential
    Only with -LogonType Password: the PSCredential to store with the task. Never prompted for.

.PARAMETER RunLevel
    Limited (default, least privilege) or Highest. The sync needs no administrator rights.

.PARAMETER RunOnlyIfNetworkAvailable
    Skip a start when no network is up. Off: the sync then logs "Snipe-IT unreachable" instead.

.PARAMETER WakeToRun
    Wake the computer from sleep for a run. Off by default.

.PARAMETER SkipAcl
    Do not grant -UserId access to the project folder (read) and the log folder (modify).

.PARAMETER EnableHistory
    Also enable the machine-wide Task Scheduler history (Microsoft-Windows-TaskScheduler/Operational).

.PARAMETER RunNow
    After registering, run the task once under its real account, wait, print the Last Run Result
    and today's log file, and exit 1 unless the run succeeded.

.PARAMETER RunNowTimeout
    How long -RunNow waits. Default 15 minutes.

.PARAMETER PassThru
    Write the registered task object to the pipeline.

.PARAMETER Uninstall
    Remove the task instead (succeeds when it is not registered). The project, .env and logs stay.

.EXAMPLE
    .\setup_sync_schedule.ps1 -WhatIf

    Shows what would be registered and changes nothing; works without elevation.

.EXAMPLE
    .\setup_sync_schedule.ps1 -RunNow

    Registers (or updates) the task, runs it once, and prints the Last Run Result and the log file.

.EXAMPLE
    .\setup_sync_schedule.ps1 -At '07:30','17:30' -UserId 'CONTOSO\svc-assetsync'

    Other times, and a dedicated account (S4U: no password stored).

.EXAMPLE
    $cred = Get-Credential 'CONTOSO\svc-assetsync'
    .\setup_sync_schedule.ps1 -LogonType Password -Credential $cred

    Stores a password with the task, for Windows-authenticated network access.

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\setup_sync_schedule.ps1 -Uninstall

    Removes the task where the execution policy blocks unsigned scripts.

.NOTES
    Windows PowerShell 5.1 or later (ScheduledTasks module: Windows 8 / Server 2012 and later).
    Pester tests: Invoke-Pester tests/powershell.

.LINK
    docs/windows-task-scheduler.md
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Install')]
param(
    [ValidateNotNullOrEmpty()]
    [ValidatePattern('^[^\\/:*?"<>|]+$')]
    [string]$TaskName = 'AssetSync',
    [ValidatePattern('^\\(.+\\)?$')]
    [string]$TaskPath = '\',
    [Parameter(ParameterSetName = 'Install')][string]$ProjectDir = '',
    [Parameter(ParameterSetName = 'Install')][string]$PythonPath = '',
    [Parameter(ParameterSetName = 'Install')]
    [ValidateCount(1, 48)]
    [ValidatePattern('^([01][0-9]|2[0-3]):[0-5][0-9]$')]
    [string[]]$At = @('08:00', '12:00', '16:00', '20:00'),
    [Parameter(ParameterSetName = 'Install')][TimeSpan]$ExecutionTimeLimit = [TimeSpan]::FromHours(1),
    [Parameter(ParameterSetName = 'Install')][ValidateRange(1, 255)][int]$RestartCount = 3,
    [Parameter(ParameterSetName = 'Install')][TimeSpan]$RestartInterval = [TimeSpan]::FromMinutes(5),
    [Parameter(ParameterSetName = 'Install')]
    [ValidateSet('S4U', 'Password', 'Interactive', 'ServiceAccount')]
    [string]$LogonType = 'S4U',
    [Parameter(ParameterSetName = 'Install')][string]$UserId = '',
    [Parameter(ParameterSetName = 'Install')]
    [System.Management.Automation.PSCredential]$Credential = [System.Management.Automation.PSCredential]::Empty,
    [Parameter(ParameterSetName = 'Install')][ValidateSet('Limited', 'Highest')][string]$RunLevel = 'Limited',
    [Parameter(ParameterSetName = 'Install')][switch]$RunOnlyIfNetworkAvailable,
    [Parameter(ParameterSetName = 'Install')][switch]$WakeToRun,
    [Parameter(ParameterSetName = 'Install')][switch]$SkipAcl,
    [Parameter(ParameterSetName = 'Install')][switch]$EnableHistory,
    [Parameter(ParameterSetName = 'Install')][switch]$RunNow,
    [Parameter(ParameterSetName = 'Install')][TimeSpan]$RunNowTimeout = [TimeSpan]::FromMinutes(15),
    [Parameter(ParameterSetName = 'Install')][switch]$PassThru,
    [Parameter(Mandatory = $true, ParameterSetName = 'Uninstall')][switch]$Uninstall
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# --- Checks and lookups (no changes) -------------------------------------------------------------

function Test-IsAdministrator {
    # A function of its own so that tests can mock it.
    [CmdletBinding()]
    param()
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object -TypeName Security.Principal.WindowsPrincipal -ArgumentList $identity
    return $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Get-CurrentUserName {
    # DOMAIN\user; $env:USERNAME can be empty or differ from the account name of a Microsoft account.
    [CmdletBinding()]
    param()
    return [Security.Principal.WindowsIdentity]::GetCurrent().Name
}

function Assert-Administrator {
    [CmdletBinding()]
    param()
    # A dry run changes nothing, so it also works from a normal (non-elevated) shell.
    if ($WhatIfPreference) {
        return
    }
    if (-not (Test-IsAdministrator)) {
        throw ('This needs an elevated PowerShell: registering a task that runs whether or not ' +
            'anyone is logged on requires Administrator rights. Right-click Windows PowerShell, choose ' +
            '"Run as administrator", change to the project folder and run .\setup_sync_schedule.ps1 ' +
            'again (add -WhatIf to preview without elevation).')
    }
}

function Get-AssetSyncConfig {
    # The effective settings, from the project's own Python (`assetsync config --json`), so the
    # task uses exactly the times and log folder the sync will use. Returns the settings by name,
    # the .env file the sync reads, and the sync's own message when a required setting is missing.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$PythonExe,
        [Parameter(Mandatory = $true)][string]$ProjectDir
    )
    $stdout = [IO.Path]::GetTempFileName()
    $stderr = [IO.Path]::GetTempFileName()
    try {
        # Start-Process, not &: Windows PowerShell 5.1 turns a native program's stderr output into
        # terminating errors under $ErrorActionPreference = 'Stop'.
        $process = Start-Process -FilePath $PythonExe -ArgumentList '-m', 'assetsync', 'config', '--json' `
            -WorkingDirectory $ProjectDir -NoNewWindow -Wait -PassThru `
            -RedirectStandardOutput $stdout -RedirectStandardError $stderr
        $json = [IO.File]::ReadAllText($stdout)
        $problem = [IO.File]::ReadAllText($stderr).Trim()
    }
    finally {
        # [IO.File], not Remove-Item: under -WhatIf Remove-Item would leave the files behind.
        [IO.File]::Delete($stdout)
        [IO.File]::Delete($stderr)
    }
    if ([string]::IsNullOrWhiteSpace($json)) {
        # A malformed setting: the same message and exit code 2 as the sync would give.
        throw ('{0} -m assetsync config --json failed (exit code {1}): {2}' -f $PythonExe, $process.ExitCode, $problem)
    }
    $config = $json | ConvertFrom-Json
    $settings = @{}
    foreach ($setting in $config.settings) {
        $settings[[string]$setting.name] = [string]$setting.value
    }
    if ($process.ExitCode -eq 0) {
        $problem = ''
    }
    return [pscustomobject]@{ Settings = $settings; EnvFile = [string]$config.env_file; Problem = $problem }
}

function Resolve-SyncTime {
    # -At when the caller gave it; otherwise ASSETSYNC_SYNC_TIMES as the sync reads it (validated,
    # sorted and written HH:mm by assetsync), so the task and `assetsync schedule` agree.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string[]]$At,
        [bool]$PreferSetting,
        [AllowEmptyString()][string]$Configured = ''
    )
    if ($PreferSetting -and $Configured) {
        return $Configured.Split(',')
    }
    $duplicates = @($At | Group-Object | Where-Object { $_.Count -gt 1 } | ForEach-Object { $_.Name })
    if ($duplicates.Count -gt 0) {
        throw ('-At lists {0} more than once; give each time once.' -f ($duplicates -join ', '))
    }
    $sorted = [string[]]$At.Clone()
    [Array]::Sort($sorted, [StringComparer]::Ordinal)
    return $sorted
}

function Get-SmallestGap {
    # The shortest time between two runs, counting the wrap from the last run to the next day's first.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string[]]$At)
    $minutes = @($At | ForEach-Object { ([int]$_.Substring(0, 2)) * 60 + [int]$_.Substring(3, 2) } | Sort-Object)
    $smallest = 1440 - $minutes[-1] + $minutes[0]
    for ($i = 1; $i -lt $minutes.Count; $i++) {
        $gap = $minutes[$i] - $minutes[$i - 1]
        if ($gap -lt $smallest) {
            $smallest = $gap
        }
    }
    return [TimeSpan]::FromMinutes($smallest)
}

function Assert-TaskTiming {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string[]]$At,
        [Parameter(Mandatory = $true)][TimeSpan]$ExecutionTimeLimit,
        [Parameter(Mandatory = $true)][TimeSpan]$RestartInterval
    )
    $gap = Get-SmallestGap -At $At
    if ($ExecutionTimeLimit -le [TimeSpan]::Zero) {
        throw '-ExecutionTimeLimit must be longer than zero.'
    }
    # Under "ignore new instance" a run still going at the next start time swallows that run.
    if ($ExecutionTimeLimit -ge $gap) {
        throw ('-ExecutionTimeLimit {0} must be shorter than the smallest gap between runs ({1}); pass a shorter limit.' -f
            $ExecutionTimeLimit, $gap)
    }
    if ($RestartInterval -lt [TimeSpan]::FromMinutes(1) -or $RestartInterval -gt [TimeSpan]::FromDays(31)) {
        throw ('-RestartInterval {0} must be between 1 minute and 31 days.' -f $RestartInterval)
    }
}

function Resolve-ProjectDirectory {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$ProjectDir)
    if (-not (Test-Path -LiteralPath $ProjectDir -PathType Container)) {
        throw ("Project folder '{0}' does not exist; pass -ProjectDir with the folder that holds scheduled_sync.py." -f $ProjectDir)
    }
    $full = (Resolve-Path -LiteralPath $ProjectDir).ProviderPath
    $entryPoint = [IO.Path]::Combine($full, 'scheduled_sync.py')
    if (-not (Test-Path -LiteralPath $entryPoint -PathType Leaf)) {
        throw ("scheduled_sync.py is not in '{0}'; run this script from the assetsync project folder or pass -ProjectDir." -f $full)
    }
    return $full
}

function Resolve-ProjectPython {
    # The venv's python.exe, never one from PATH: that may be another interpreter without the
    # project's packages, or the Microsoft Store alias.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$ProjectDir,
        [AllowEmptyString()][string]$PythonPath = ''
    )
    if ($PythonPath) {
        if (-not (Test-Path -LiteralPath $PythonPath -PathType Leaf)) {
            throw ("-PythonPath '{0}' does not exist." -f $PythonPath)
        }
        return (Resolve-Path -LiteralPath $PythonPath).ProviderPath
    }
    $candidates = @(
        [IO.Path]::Combine($ProjectDir, '.venv', 'Scripts', 'python.exe'),
        [IO.Path]::Combine($ProjectDir, 'venv', 'Scripts', 'python.exe')
    )
    foreach ($candidate in $candidates) {
        if (Test-Path -LiteralPath $candidate -PathType Leaf) {
            return $candidate
        }
    }
    throw ('No project Python found: looked for {0}. Create the virtual environment first (see the README: ' +
        'python -m venv .venv, then install from requirements.txt), or pass -PythonPath.') -f
        ($candidates -join ' and ')
}

function Resolve-TaskUser {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$LogonType,
        [AllowEmptyString()][string]$UserId = '',
        [System.Management.Automation.PSCredential]$Credential = [System.Management.Automation.PSCredential]::Empty
    )
    if ($LogonType -eq 'Password') {
        if ($Credential -eq [System.Management.Automation.PSCredential]::Empty) {
            throw '-LogonType Password needs -Credential (a PSCredential for the account). Nothing is prompted for.'
        }
        if ($UserId -and $UserId -ne $Credential.UserName) {
            throw ("-UserId '{0}' and the -Credential user '{1}' differ; give only -Credential." -f $UserId, $Credential.UserName)
        }
        return $Credential.UserName
    }
    if ($Credential -ne [System.Management.Automation.PSCredential]::Empty) {
        throw '-Credential is only used with -LogonType Password (an explicit opt-in); the default S4U stores no password.'
    }
    if ($UserId) {
        return $UserId
    }
    if ($LogonType -eq 'ServiceAccount') {
        return 'NT AUTHORITY\LOCALSERVICE'
    }
    return Get-CurrentUserName
}

function ConvertTo-QuotedArgument {
    # Task Scheduler hands Arguments to the program as one command line, so a path with spaces must
    # be quoted, with the C runtime's rules for quotes and for backslashes before a quote.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Value)
    $escaped = [regex]::Replace($Value, '(\\*)"', '$1$1\"')
    $escaped = [regex]::Replace($escaped, '(\\+)$', '$1$1')
    return '"' + $escaped + '"'
}

function Format-LastRunResult {
    # LastTaskResult is the program's exit code once the task has run, and a Task Scheduler status
    # code before that or while it runs. Get-ScheduledTaskInfo reports it in decimal.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][long]$Code)
    $unsigned = $Code
    if ($unsigned -lt 0) {
        $unsigned += 4294967296
    }
    $hex = '0x{0:X}' -f $unsigned
    $meanings = @{
        '0x0'        = 'success'
        '0x1'        = 'the sync failed; the database was left as it was (see the log)'
        '0x2'        = 'configuration error: a setting in .env is missing or malformed (see the log)'
        '0x3'        = 'another sync was running; this run changed nothing'
        '0x4'        = 'removal brake tripped: too many assets would have been marked removed; nothing was changed'
        '0x5'        = 'the sync succeeded but the log file could not be written'
        '0x82'       = 'interrupted (130); nothing was half-written'
        '0x41300'    = 'the task is ready to run (SCHED_S_TASK_READY)'
        '0x41301'    = 'the task is running now (SCHED_S_TASK_RUNNING)'
        '0x41302'    = 'the task is disabled (SCHED_S_TASK_DISABLED)'
        '0x41303'    = 'the task has not run yet (SCHED_S_TASK_HAS_NOT_RUN)'
        '0x41306'    = 'the run was terminated, by a user or by the execution time limit (SCHED_S_TASK_TERMINATED)'
        '0x41325'    = 'the start is queued (SCHED_S_TASK_QUEUED)'
        '0x8004131F' = 'an instance was already running, so this start was ignored (SCHED_E_ALREADY_RUNNING)'
        '0x8007010B' = 'the working directory is invalid (quoted or missing "Start in" folder)'
        '0x800710E0' = 'the operator or administrator refused the request (account, logon type or policy)'
        '0xC000013A' = 'the program was ended like Ctrl+C (STATUS_CONTROL_C_EXIT)'
    }
    $meaning = $meanings[$hex]
    if ($null -eq $meaning) {
        $meaning = 'not a code of assetsync or Task Scheduler listed here; see the log'
    }
    return ('{0} ({1}): {2}' -f $hex, $unsigned, $meaning)
}

function Get-ScriptArgument {
    # Every parameter of this script with its current value, defaults included ($PSBoundParameters
    # holds only what the caller typed). The param block above stays the one place for defaults.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][System.Management.Automation.CommandInfo]$Command)
    $arguments = @{}
    foreach ($name in $Command.Parameters.Keys) {
        # Scope 1 is the caller: the script scope, or a test that dot-sourced the script.
        $variable = Get-Variable -Name $name -Scope 1 -ErrorAction SilentlyContinue
        # Common parameters (-Verbose, -WhatIf) have no variable; they reach the functions as
        # preference variables. Null values are left out so that no null is bound to a typed parameter.
        if ($null -ne $variable -and $null -ne $variable.Value) {
            $arguments[$name] = $variable.Value
        }
    }
    return $arguments
}

# --- Building the task definition (in memory only) -----------------------------------------------

function New-AssetSyncAction {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$PythonExe,
        [Parameter(Mandatory = $true)][string]$ScriptPath,
        [Parameter(Mandatory = $true)][string]$ProjectDir
    )
    # Execute and Argument are quoted (a path with spaces would split); WorkingDirectory must not
    # be: a quoted "Start in" folder fails with 0x8007010B. The sync finds .env and logs from its
    # own path anyway, but a working directory keeps stray relative paths out of System32.
    return New-ScheduledTaskAction -Execute (ConvertTo-QuotedArgument -Value $PythonExe) `
        -Argument (ConvertTo-QuotedArgument -Value $ScriptPath) -WorkingDirectory $ProjectDir
}

function New-AssetSyncTrigger {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string[]]$At,
        [Parameter(Mandatory = $true)][datetime]$Today
    )
    $culture = [Globalization.CultureInfo]::InvariantCulture
    foreach ($time in $At) {
        $start = [datetime]::ParseExact($time, 'HH:mm', $culture)
        $trigger = New-ScheduledTaskTrigger -Daily -DaysInterval 1 -At $start
        # New-ScheduledTaskTrigger writes the start with a UTC offset on Windows Server 2016 and later
        # ("Synchronize across time zones"), which moves the run by an hour after a daylight-saving
        # change. Without an offset Task Scheduler reads it as local wall-clock time, so 08:00 stays
        # 08:00 in summer and winter. The invariant culture keeps the digits Gregorian.
        $trigger.StartBoundary = '{0}T{1}:00' -f $Today.ToString('yyyy-MM-dd', $culture), $time
        $trigger
    }
}

function New-AssetSyncSetting {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][TimeSpan]$ExecutionTimeLimit,
        [Parameter(Mandatory = $true)][int]$RestartCount,
        [Parameter(Mandatory = $true)][TimeSpan]$RestartInterval,
        [switch]$RunOnlyIfNetworkAvailable,
        [switch]$WakeToRun
    )
    # StartWhenAvailable: a run missed while the PC was off or asleep starts when it is back.
    # IgnoreNew: a start while a run is still going is dropped, never doubled.
    # Battery switches: otherwise a laptop on battery silently never runs the sync.
    # RestartCount/-Interval: retries only a failed launch, not a sync that ran and failed.
    # The opt-in switches are passed only when set, so the defaults stay Task Scheduler's own.
    $optIn = @{}
    if ($RunOnlyIfNetworkAvailable) {
        $optIn['RunOnlyIfNetworkAvailable'] = $true
    }
    if ($WakeToRun) {
        $optIn['WakeToRun'] = $true
    }
    return New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew `
        -ExecutionTimeLimit $ExecutionTimeLimit -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
        -RestartCount $RestartCount -RestartInterval $RestartInterval @optIn
}

function New-AssetSyncPrincipal {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$UserId,
        [Parameter(Mandatory = $true)][string]$LogonType,
        [Parameter(Mandatory = $true)][string]$RunLevel
    )
    # S4U + Limited: "run whether user is logged on or not", no stored password, no admin token.
    return New-ScheduledTaskPrincipal -UserId $UserId -LogonType $LogonType -RunLevel $RunLevel
}

# --- Changes: each one inside ShouldProcess, so -WhatIf and -Confirm cover all of them -----------

function Register-AssetSyncTask {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath,
        [Parameter(Mandatory = $true)]$Action,
        [Parameter(Mandatory = $true)]$Trigger,
        [Parameter(Mandatory = $true)]$Settings,
        $Principal,
        [System.Management.Automation.PSCredential]$Credential = [System.Management.Automation.PSCredential]::Empty,
        [string]$RunLevel = 'Limited',
        [Parameter(Mandatory = $true)][string]$Description
    )
    $registration = @{
        TaskName    = $TaskName
        TaskPath    = $TaskPath
        Action      = $Action
        Trigger     = $Trigger
        Settings    = $Settings
        Description = $Description
    }
    if ($PSCmdlet.ShouldProcess(($TaskPath + $TaskName), 'Register scheduled task (replacing any existing definition)')) {
        if ($Credential -ne [System.Management.Automation.PSCredential]::Empty) {
            # The password parameter set takes a plain string; it is unwrapped only here, at the call.
            $registration['User'] = $Credential.UserName
            $registration['Password'] = $Credential.GetNetworkCredential().Password
            $registration['RunLevel'] = $RunLevel
        } else {
            $registration['Principal'] = $Principal
        }
        # -Force replaces an existing task in place: running the script again is the update path.
        Register-ScheduledTask @registration -Force
    }
}

function Unregister-AssetSyncTask {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath
    )
    if ($PSCmdlet.ShouldProcess(($TaskPath + $TaskName), 'Unregister scheduled task')) {
        Unregister-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath -Confirm:$false
    }
}

function New-LogDirectory {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)][string]$Path)
    if (Test-Path -LiteralPath $Path -PathType Container) {
        return
    }
    if ($PSCmdlet.ShouldProcess($Path, 'Create log folder')) {
        [void][IO.Directory]::CreateDirectory($Path)
    }
}

function Grant-ProjectAccess {
    # The task's account must read the venv and the project, and write the logs. (OI)(CI) lets the
    # grant inherit to everything below without touching every file.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$ProjectDir,
        [Parameter(Mandatory = $true)][string]$LogDir,
        [Parameter(Mandatory = $true)][string]$UserId
    )
    $grants = @(
        @{ Path = $ProjectDir; Right = 'RX'; What = 'read and execute' },
        @{ Path = $LogDir; Right = 'M'; What = 'modify' }
    )
    foreach ($grant in $grants) {
        if ($PSCmdlet.ShouldProcess($grant.Path, ('Grant {0} {1} access' -f $UserId, $grant.What))) {
            $null = & icacls.exe $grant.Path /grant ('{0}:(OI)(CI){1}' -f $UserId, $grant.Right) /Q
            if ($LASTEXITCODE -ne 0) {
                throw ("icacls could not grant {0} access to '{1}' (exit code {2}); fix the folder permissions or use -SkipAcl." -f
                    $UserId, $grant.Path, $LASTEXITCODE)
            }
        }
    }
}

function Enable-TaskHistory {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    if ($PSCmdlet.ShouldProcess('Microsoft-Windows-TaskScheduler/Operational', 'Enable the Task Scheduler history log')) {
        $null = & wevtutil.exe sl Microsoft-Windows-TaskScheduler/Operational /e:true
        if ($LASTEXITCODE -ne 0) {
            throw ('wevtutil could not enable the Task Scheduler history (exit code {0}).' -f $LASTEXITCODE)
        }
    }
}

function Test-EventLogSource {
    # A function of its own so that tests can mock it (the .NET call needs Windows).
    param([Parameter(Mandatory = $true)][string]$Source)
    return [System.Diagnostics.EventLog]::SourceExists($Source)
}

function Register-EventLogSource {
    # The sync's alerts (ASSETSYNC_EVENTLOG) write to the Application log as source 'assetsync';
    # creating a source needs elevation, which this script has and the task does not.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Source = 'assetsync')
    if ($PSCmdlet.ShouldProcess(('Application log, source {0}' -f $Source), 'Register event log source')) {
        if (-not (Test-EventLogSource -Source $Source)) {
            [System.Diagnostics.EventLog]::CreateEventSource($Source, 'Application')
        }
    }
}

function Unregister-EventLogSource {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Source = 'assetsync')
    if ($PSCmdlet.ShouldProcess(('Application log, source {0}' -f $Source), 'Remove event log source')) {
        if (Test-EventLogSource -Source $Source) {
            [System.Diagnostics.EventLog]::DeleteEventSource($Source)
        }
    }
}

function Start-AssetSyncTaskRun {
    # Starts the task under its real account (the only test of the S4U context), waits for it to
    # finish, and returns its info, or $null when -WhatIf skipped the start.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath,
        [Parameter(Mandatory = $true)][TimeSpan]$Timeout,
        [int]$PollSeconds = 2
    )
    if ($PSCmdlet.ShouldProcess(($TaskPath + $TaskName), 'Start scheduled task once and wait for it')) {
        $before = (Get-ScheduledTaskInfo -TaskName $TaskName -TaskPath $TaskPath).LastRunTime
        Start-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath
        $deadline = (Get-Date) + $Timeout
        do {
            Start-Sleep -Seconds $PollSeconds
            $state = [string](Get-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath).State
            $info = Get-ScheduledTaskInfo -TaskName $TaskName -TaskPath $TaskPath
            # Just after the start the state may still read Ready; a new LastRunTime shows the run began.
            $finished = ($state -ne 'Running') -and ($state -ne 'Queued') -and ($info.LastRunTime -ne $before)
        } until ($finished -or ((Get-Date) -ge $deadline))
        return [pscustomobject]@{ Finished = $finished; Info = $info }
    }
    return $null
}

# --- Output --------------------------------------------------------------------------------------

function Get-TaskSelector {
    # The -TaskName (and, outside the root folder, -TaskPath) arguments for the printed commands.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath
    )
    if ($TaskPath -eq '\') {
        return ('-TaskName "{0}"' -f $TaskName)
    }
    return ('-TaskName "{0}" -TaskPath "{1}"' -f $TaskName, $TaskPath)
}

function Write-NextStep {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath,
        [Parameter(Mandatory = $true)][string]$LogDir
    )
    $selector = Get-TaskSelector -TaskName $TaskName -TaskPath $TaskPath
    Write-Host ''
    Write-Host ('Monitor:  Get-ScheduledTask {0}' -f $selector)
    Write-Host ('          Get-ScheduledTaskInfo {0}   (LastRunTime, LastTaskResult, NextRunTime)' -f $selector)
    Write-Host ('Run now:  Start-ScheduledTask {0}' -f $selector)
    Write-Host ('Logs:     {0}' -f [IO.Path]::Combine($LogDir, 'sync_YYYYMMDD.log'))
    $uninstall = '.\setup_sync_schedule.ps1 -Uninstall'
    if ($TaskName -ne 'AssetSync' -or $TaskPath -ne '\') {
        $uninstall = '{0} {1}' -f $uninstall, $selector
    }
    Write-Host ('Remove:   {0}' -f $uninstall)
}

function Write-RunResult {
    # Prints the outcome of -RunNow. Returns $null when the run finished with exit code 0, else the
    # error message for the caller to end with (exit 1).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]$Run,
        [Parameter(Mandatory = $true)][string]$LogDir,
        [Parameter(Mandatory = $true)][TimeSpan]$Timeout
    )
    $culture = [Globalization.CultureInfo]::InvariantCulture
    $logFile = [IO.Path]::Combine($LogDir, ('sync_{0}.log' -f (Get-Date).ToString('yyyyMMdd', $culture)))
    $code = [long]$Run.Info.LastTaskResult
    Write-Host ''
    Write-Host ('Last Run Result: {0}' -f (Format-LastRunResult -Code $code))
    Write-Host ('Log file:        {0}' -f $logFile)
    if (-not $Run.Finished) {
        return ('The run did not finish within {0}; it may still be going. Check later with Get-ScheduledTaskInfo ' +
            'and read {1}.') -f $Timeout, $logFile
    }
    if ($code -ne 0) {
        return ('The run ended with Last Run Result {0}; read {1}.' -f (Format-LastRunResult -Code $code), $logFile)
    }
    return $null
}

# --- Main ----------------------------------------------------------------------------------------

function Install-AssetSyncSchedule {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath,
        [Parameter(Mandatory = $true)][string]$ProjectDir,
        [AllowEmptyString()][string]$PythonPath = '',
        [Parameter(Mandatory = $true)][string[]]$At,
        [bool]$PreferTimesSetting,
        [Parameter(Mandatory = $true)][TimeSpan]$ExecutionTimeLimit,
        [Parameter(Mandatory = $true)][int]$RestartCount,
        [Parameter(Mandatory = $true)][TimeSpan]$RestartInterval,
        [Parameter(Mandatory = $true)][string]$LogonType,
        [AllowEmptyString()][string]$UserId = '',
        # Empty, never $null: a null PSCredential argument can make PowerShell prompt for one.
        [System.Management.Automation.PSCredential]$Credential = [System.Management.Automation.PSCredential]::Empty,
        [Parameter(Mandatory = $true)][string]$RunLevel,
        [switch]$RunOnlyIfNetworkAvailable,
        [switch]$WakeToRun,
        [switch]$SkipAcl,
        [switch]$EnableHistory,
        [switch]$RunNow,
        [Parameter(Mandatory = $true)][TimeSpan]$RunNowTimeout,
        [switch]$PassThru
    )
    # 1. Check everything that can be checked without changing anything.
    $project = Resolve-ProjectDirectory -ProjectDir $ProjectDir
    $scriptPath = [IO.Path]::Combine($project, 'scheduled_sync.py')
    $python = Resolve-ProjectPython -ProjectDir $project -PythonPath $PythonPath
    $config = Get-AssetSyncConfig -PythonExe $python -ProjectDir $project
    $times = @(Resolve-SyncTime -At $At -PreferSetting $PreferTimesSetting -Configured $config.Settings['ASSETSYNC_SYNC_TIMES'])
    Assert-TaskTiming -At $times -ExecutionTimeLimit $ExecutionTimeLimit -RestartInterval $RestartInterval
    $user = Resolve-TaskUser -LogonType $LogonType -UserId $UserId -Credential $Credential
    $logDir = $config.Settings['ASSETSYNC_LOG_DIR']
    if ($config.Problem) {
        Write-Warning (('{0} Unless the settings are in the environment of {1}, every run will end with exit ' +
            'code 2 (configuration error): fill in {2} (copy .env.example) and check with assetsync config.') -f
            $config.Problem, $user, $config.EnvFile)
    }
    Assert-Administrator

    # 2. Build the definition in memory.
    $action = New-AssetSyncAction -PythonExe $python -ScriptPath $scriptPath -ProjectDir $project
    $triggers = @(New-AssetSyncTrigger -At $times -Today (Get-Date).Date)
    $settings = New-AssetSyncSetting -ExecutionTimeLimit $ExecutionTimeLimit -RestartCount $RestartCount `
        -RestartInterval $RestartInterval -RunOnlyIfNetworkAvailable:$RunOnlyIfNetworkAvailable -WakeToRun:$WakeToRun
    $principal = New-AssetSyncPrincipal -UserId $user -LogonType $LogonType -RunLevel $RunLevel
    $description = ('assetsync: syncs Snipe-IT hardware into PostgreSQL daily at {0} (local time). ' +
        'Runs {1} in {2}. Log: {3}. Managed by setup_sync_schedule.ps1.') -f
        ($times -join ', '), $scriptPath, $project, [IO.Path]::Combine($logDir, 'sync_YYYYMMDD.log')

    # 3. Apply, each change guarded by ShouldProcess.
    New-LogDirectory -Path $logDir
    $task = Register-AssetSyncTask -TaskName $TaskName -TaskPath $TaskPath -Action $action -Trigger $triggers `
        -Settings $settings -Principal $principal -Credential $Credential -RunLevel $RunLevel -Description $description
    if (-not $SkipAcl -and $user -ne (Get-CurrentUserName)) {
        Grant-ProjectAccess -ProjectDir $project -LogDir $logDir -UserId $user
    }
    if ($EnableHistory) {
        Enable-TaskHistory
    }
    Register-EventLogSource

    # 4. Report.
    $verb = 'Registered'
    if ($WhatIfPreference) {
        $verb = 'WhatIf: nothing changed; would register'
    }
    Write-Host ('{0} task {1}{2}: daily at {3} (local time), as {4} ({5}, {6}).' -f
        $verb, $TaskPath, $TaskName, ($times -join ', '), $user, $LogonType, $RunLevel)
    Write-Host ('  Runs:  {0} {1}' -f (ConvertTo-QuotedArgument -Value $python), (ConvertTo-QuotedArgument -Value $scriptPath))
    Write-Host ('  In:    {0}' -f $project)
    Write-Host ('  Limit: {0} per run; missed runs start when the PC is back; overlapping starts are ignored.' -f
        $ExecutionTimeLimit)
    if ($null -ne $task) {
        $info = Get-ScheduledTaskInfo -TaskName $TaskName -TaskPath $TaskPath
        Write-Host ('  Next run: {0}' -f $info.NextRunTime)
    }
    $runFailure = $null
    if ($RunNow) {
        Write-Host ''
        Write-Host ('Starting {0}{1} once and waiting up to {2} ...' -f $TaskPath, $TaskName, $RunNowTimeout)
        $run = Start-AssetSyncTaskRun -TaskName $TaskName -TaskPath $TaskPath -Timeout $RunNowTimeout
        if ($null -ne $run) {
            $runFailure = Write-RunResult -Run $run -LogDir $logDir -Timeout $RunNowTimeout
        }
    }
    Write-NextStep -TaskName $TaskName -TaskPath $TaskPath -LogDir $logDir
    if ($null -ne $runFailure) {
        # The task stays registered; only the test run failed.
        throw $runFailure
    }
    if ($PassThru -and $null -ne $task) {
        $task
    }
}

function Uninstall-AssetSyncSchedule {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$TaskName,
        [Parameter(Mandatory = $true)][string]$TaskPath
    )
    $existing = Get-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath -ErrorAction SilentlyContinue
    if ($null -eq $existing) {
        Write-Host ('Task {0}{1} is not registered; nothing to remove.' -f $TaskPath, $TaskName)
        return
    }
    Assert-Administrator
    Unregister-AssetSyncTask -TaskName $TaskName -TaskPath $TaskPath
    Unregister-EventLogSource
    if (-not $WhatIfPreference) {
        Write-Host ('Removed task {0}{1} and the event log source assetsync. The project folder, .env and the logs are unchanged.' -f
            $TaskPath, $TaskName)
    }
}

# Dot-sourcing (. .\setup_sync_schedule.ps1) only defines the functions above, for tests.
if ($MyInvocation.InvocationName -ne '.') {
    try {
        if ($Uninstall) {
            Uninstall-AssetSyncSchedule -TaskName $TaskName -TaskPath $TaskPath
        } else {
            $installArguments = Get-ScriptArgument -Command $MyInvocation.MyCommand
            $installArguments.Remove('Uninstall')
            if (-not $installArguments['ProjectDir']) {
                $installArguments['ProjectDir'] = $PSScriptRoot
            }
            # Without -At the ASSETSYNC_SYNC_TIMES setting decides, when it is set.
            $installArguments['PreferTimesSetting'] = -not $PSBoundParameters.ContainsKey('At')
            Install-AssetSyncSchedule @installArguments
        }
        exit 0
    }
    catch {
        $Host.UI.WriteErrorLine(('setup_sync_schedule.ps1: {0}' -f $_.Exception.Message))
        exit 1
    }
}
