#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Pester 5 tests for setup_sync_schedule.ps1. From the project folder:

        Invoke-Pester tests/powershell -Output Detailed

    Nothing is registered, started or removed: Register-, Unregister-, Start-, Get-ScheduledTask,
    Get-ScheduledTaskInfo, the New-ScheduledTask* constructors and the elevation check are mocked,
    and the tests that run the whole script use -WhatIf or a task name that does not exist.
    Get-AssetSyncConfig (which asks the project's Python for its settings) is mocked too; the
    whole-script tests run the real `python -m assetsync config --json` of the project's .venv.
    Works in Windows PowerShell 5.1 and in pwsh; where the ScheduledTasks module is missing
    (Linux, macOS) stand-in functions give Mock something to replace.
#>

BeforeDiscovery {
    # The project's own venv Python, for the tests that run the whole script (skipped without it).
    $repository = [IO.Path]::Combine($PSScriptRoot, '..', '..')
    $RealPython = @(
        [IO.Path]::Combine($repository, '.venv', 'Scripts', 'python.exe'),
        [IO.Path]::Combine($repository, '.venv', 'bin', 'python')
    ) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
}

BeforeAll {
    $script:ScriptPath = (Resolve-Path -LiteralPath ([IO.Path]::Combine($PSScriptRoot, '..', '..', 'setup_sync_schedule.ps1'))).ProviderPath

    # Stand-ins for the ScheduledTasks module where it does not exist. They return placeholder
    # objects so that even an unmocked call from a whole-script run binds.
    if (-not (Get-Command -Name 'Register-ScheduledTask' -ErrorAction SilentlyContinue)) {
        function global:Register-ScheduledTask {
            param($TaskName, $TaskPath, $Action, $Trigger, $Settings, $Principal, $User, $Password, $RunLevel,
                $Description, [switch]$Force)
            [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath }
        }
        function global:Unregister-ScheduledTask {
            [CmdletBinding(SupportsShouldProcess = $true)]
            param($TaskName, $TaskPath)
        }
        function global:Start-ScheduledTask { param($TaskName, $TaskPath) }
        function global:Get-ScheduledTask {
            [CmdletBinding()]
            param($TaskName, $TaskPath)
        }
        function global:Get-ScheduledTaskInfo { param($TaskName, $TaskPath) }
        function global:New-ScheduledTaskAction {
            param($Execute, $Argument, $WorkingDirectory)
            [pscustomobject]@{ Execute = $Execute }
        }
        function global:New-ScheduledTaskTrigger {
            param([switch]$Daily, $DaysInterval, $At)
            [pscustomobject]@{ StartBoundary = '' }
        }
        function global:New-ScheduledTaskSettingsSet {
            param([switch]$StartWhenAvailable, $MultipleInstances, $ExecutionTimeLimit, [switch]$AllowStartIfOnBatteries,
                [switch]$DontStopIfGoingOnBatteries, $RestartCount, $RestartInterval, [switch]$RunOnlyIfNetworkAvailable,
                [switch]$WakeToRun)
            [pscustomobject]@{ MultipleInstances = $MultipleInstances }
        }
        function global:New-ScheduledTaskPrincipal {
            param($UserId, $LogonType, $RunLevel)
            [pscustomobject]@{ UserId = $UserId }
        }
    }

    # Dot-sourcing defines the script's functions (and its parameter defaults as variables) here
    # without running it; see the guard at the end of the script.
    . $script:ScriptPath
    # The script's Set-StrictMode landed in this scope too. Mock bodies here read parameters that
    # a call may not have bound (e.g. $Password), so strict mode stays off for the tests; the
    # whole-script tests below still run the script under its own strict mode.
    Set-StrictMode -Off
    $script:Defaults = Get-ScriptArgument -Command (Get-Command -Name $script:ScriptPath)

    function New-TestProject {
        # A project folder: scheduled_sync.py and a (fake) venv python.exe.
        param([ValidateSet('.venv', 'venv', 'none')][string]$Venv = '.venv')
        $dir = [IO.Path]::Combine($TestDrive, [guid]::NewGuid().ToString('N'))
        [void][IO.Directory]::CreateDirectory($dir)
        Set-Content -LiteralPath ([IO.Path]::Combine($dir, 'scheduled_sync.py')) -Value '# entry point'
        if ($Venv -ne 'none') {
            $scripts = [IO.Path]::Combine($dir, $Venv, 'Scripts')
            [void][IO.Directory]::CreateDirectory($scripts)
            Set-Content -LiteralPath ([IO.Path]::Combine($scripts, 'python.exe')) -Value ''
        }
        return (Resolve-Path -LiteralPath $dir).ProviderPath
    }

    function New-InstallArgument {
        # The script's own defaults, pointed at a test project, for Install-AssetSyncSchedule.
        param(
            [Parameter(Mandatory = $true)][string]$ProjectDir,
            [hashtable]$Override = @{}
        )
        $arguments = $script:Defaults.Clone()
        $arguments.Remove('Uninstall')
        $arguments['ProjectDir'] = $ProjectDir
        $arguments['UserId'] = 'TESTDOMAIN\tester'
        $arguments['PreferTimesSetting'] = $false
        $arguments['RunNowTimeout'] = [TimeSpan]::FromSeconds(30)
        foreach ($key in $Override.Keys) {
            $arguments[$key] = $Override[$key]
        }
        return $arguments
    }

    function Invoke-Install {
        # Install-AssetSyncSchedule with those arguments; -WhatIf passes through as a preference.
        [CmdletBinding(SupportsShouldProcess = $true)]
        param(
            [Parameter(Mandatory = $true)][string]$ProjectDir,
            [hashtable]$Override = @{}
        )
        $arguments = New-InstallArgument -ProjectDir $ProjectDir -Override $Override
        Install-AssetSyncSchedule @arguments
    }

    Mock Get-AssetSyncConfig {
        # What `python -m assetsync config --json` answers: the times and log folder the sync uses.
        $logs = $script:ConfiguredLogDir
        if (-not $logs) {
            $logs = [IO.Path]::Combine($ProjectDir, 'logs')
        }
        [pscustomobject]@{
            Settings = @{ ASSETSYNC_SYNC_TIMES = $script:ConfiguredTimes; ASSETSYNC_LOG_DIR = $logs }
            EnvFile = [IO.Path]::Combine($ProjectDir, '.env'); Problem = $script:ConfigProblem
        }
    }
    Mock Write-Warning { return }
    Mock Test-IsAdministrator { $true }
    Mock Get-CurrentUserName { 'TESTDOMAIN\tester' }
    Mock Grant-ProjectAccess { return }
    Mock Enable-TaskHistory { return }
    Mock Register-EventLogSource { return }
    Mock Unregister-EventLogSource { return }
    Mock Start-Sleep { return }
    Mock Write-Host { return }
    Mock New-ScheduledTaskAction {
        [pscustomobject]@{ Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory }
    }
    Mock New-ScheduledTaskTrigger {
        # Windows Server 2016+ writes the start with an offset; the script must rewrite it.
        [pscustomobject]@{ At = $At; StartBoundary = ('{0:yyyy-MM-dd}T{0:HH:mm:ss}+01:00' -f $At) }
    }
    Mock New-ScheduledTaskSettingsSet { [pscustomobject]@{ MultipleInstances = [string]$MultipleInstances } }
    Mock New-ScheduledTaskPrincipal {
        [pscustomobject]@{ UserId = $UserId; LogonType = [string]$LogonType; RunLevel = [string]$RunLevel }
    }
    Mock Register-ScheduledTask {
        $script:Registered = [pscustomobject]@{
            TaskName = $TaskName; TaskPath = $TaskPath; Action = $Action; Trigger = $Trigger; Settings = $Settings
            Principal = $Principal; User = $User; Password = $Password; Description = $Description; Force = [bool]$Force
        }
        [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath }
    } -RemoveParameterType 'Action', 'Trigger', 'Settings', 'Principal'
    Mock Unregister-ScheduledTask { return }
    Mock Get-ScheduledTask { [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath; State = 'Ready' } }
    Mock Start-ScheduledTask { $script:RunStarted = $true }
    Mock Get-ScheduledTaskInfo {
        if ($script:RunStarted) {
            [pscustomobject]@{ LastRunTime = [datetime]'2030-01-01T08:00:05'; LastTaskResult = $script:RunExitCode
                NextRunTime = [datetime]'2030-01-01T12:00:00' }
        }
        else {
            [pscustomobject]@{ LastRunTime = [datetime]'1999-11-30T00:00:00'; LastTaskResult = 267011
                NextRunTime = [datetime]'2030-01-01T08:00:00' }
        }
    }
}

BeforeEach {
    $script:Registered = $null
    $script:RunStarted = $false
    $script:RunExitCode = 0
    $script:ConfiguredTimes = '08:00,12:00,16:00,20:00'
    $script:ConfiguredLogDir = $null
    $script:ConfigProblem = ''
}

Describe 'Parameter defaults' {
    It 'defaults to AssetSync in the root folder, four daily times, S4U and Limited' {
        $script:Defaults['TaskName'] | Should -Be 'AssetSync'
        $script:Defaults['TaskPath'] | Should -Be '\'
        ($script:Defaults['At'] -join ',') | Should -Be '08:00,12:00,16:00,20:00'
        $script:Defaults['LogonType'] | Should -Be 'S4U'
        $script:Defaults['RunLevel'] | Should -Be 'Limited'
        $script:Defaults['ExecutionTimeLimit'] | Should -Be ([TimeSpan]::FromHours(1))
        $script:Defaults['RestartCount'] | Should -Be 3
    }
}

Describe 'Install-AssetSyncSchedule' {
    BeforeEach {
        $project = New-TestProject
    }

    It 'registers AssetSync in the root folder, replacing an existing one with -Force' {
        Invoke-Install -ProjectDir $project

        Should -Invoke Register-ScheduledTask -Times 1 -Exactly -ParameterFilter {
            $TaskName -eq 'AssetSync' -and $TaskPath -eq '\' -and $Force
        }
        $script:Registered.Description | Should -Match 'scheduled_sync\.py'
    }

    It 'adds one daily trigger per time with a local start boundary (no UTC offset)' {
        Invoke-Install -ProjectDir $project

        Should -Invoke New-ScheduledTaskTrigger -Times 4 -Exactly -ParameterFilter { $Daily -and $DaysInterval -eq 1 }
        $boundaries = @($script:Registered.Trigger | ForEach-Object { $_.StartBoundary })
        $boundaries.Count | Should -Be 4
        foreach ($boundary in $boundaries) {
            $boundary | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:00$'
        }
        (@($boundaries | ForEach-Object { $_.Substring(11, 5) }) -join ',') | Should -Be '08:00,12:00,16:00,20:00'
    }

    It 'runs the venv python with the quoted script path, started in the unquoted project folder' {
        Invoke-Install -ProjectDir $project

        $python = [IO.Path]::Combine($project, '.venv', 'Scripts', 'python.exe')
        $entryPoint = [IO.Path]::Combine($project, 'scheduled_sync.py')
        $script:Registered.Action.Execute | Should -Be ('"{0}"' -f $python)
        $script:Registered.Action.Arguments | Should -Be ('"{0}"' -f $entryPoint)
        $script:Registered.Action.WorkingDirectory | Should -Be $project
    }

    It 'falls back to venv\Scripts\python.exe and never looks on PATH' {
        $legacy = New-TestProject -Venv venv
        Invoke-Install -ProjectDir $legacy

        $script:Registered.Action.Execute | Should -Be ('"{0}"' -f [IO.Path]::Combine($legacy, 'venv', 'Scripts', 'python.exe'))
    }

    It 'fails with a clear message when the project has no venv' {
        $bare = New-TestProject -Venv none
        { Invoke-Install -ProjectDir $bare } | Should -Throw '*No project Python found*'
        Should -Invoke Register-ScheduledTask -Times 0
    }

    It 'uses the safe runtime settings' {
        Invoke-Install -ProjectDir $project

        Should -Invoke New-ScheduledTaskSettingsSet -Times 1 -Exactly -ParameterFilter {
            $StartWhenAvailable -and $MultipleInstances -eq 'IgnoreNew' -and
            $ExecutionTimeLimit -eq [TimeSpan]::FromHours(1) -and
            $AllowStartIfOnBatteries -and $DontStopIfGoingOnBatteries -and
            $RestartCount -eq 3 -and $RestartInterval -eq [TimeSpan]::FromMinutes(5) -and
            -not $WakeToRun -and -not $RunOnlyIfNetworkAvailable
        }
    }

    It 'runs as S4U with least privilege and stores no password' {
        Invoke-Install -ProjectDir $project

        Should -Invoke New-ScheduledTaskPrincipal -Times 1 -Exactly -ParameterFilter {
            $UserId -eq 'TESTDOMAIN\tester' -and $LogonType -eq 'S4U' -and $RunLevel -eq 'Limited'
        }
        $script:Registered.Principal.LogonType | Should -Be 'S4U'
        $script:Registered.Password | Should -BeNullOrEmpty
    }

    It 'takes the times from the project Python when -At is not given' {
        $script:ConfiguredTimes = '07:30,17:30'
        Invoke-Install -ProjectDir $project -Override @{ PreferTimesSetting = $true }

        Should -Invoke Get-AssetSyncConfig -Times 1 -Exactly -ParameterFilter {
            $PythonExe -eq [IO.Path]::Combine($project, '.venv', 'Scripts', 'python.exe') -and $ProjectDir -eq $project
        }
        Should -Invoke New-ScheduledTaskTrigger -Times 2 -Exactly
        (@($script:Registered.Trigger | ForEach-Object { $_.StartBoundary.Substring(11, 5) }) -join ',') |
            Should -Be '07:30,17:30'
    }

    It 'lets an explicit -At win over the setting' {
        $script:ConfiguredTimes = '07:30,17:30'
        Invoke-Install -ProjectDir $project -Override @{ At = @('15:00', '09:00') }

        (@($script:Registered.Trigger | ForEach-Object { $_.StartBoundary.Substring(11, 5) }) -join ',') |
            Should -Be '09:00,15:00'
    }

    It 'stops with the sync''s own message when a setting is malformed' {
        Mock Get-AssetSyncConfig { throw 'python -m assetsync config --json failed (exit code 2): ASSETSYNC_SYNC_TIMES=8am' }
        { Invoke-Install -ProjectDir $project -Override @{ PreferTimesSetting = $true } } |
            Should -Throw '*ASSETSYNC_SYNC_TIMES*'
        Should -Invoke Register-ScheduledTask -Times 0
    }

    It 'registers, with a warning carrying the sync''s message, when a required setting is missing' {
        $script:ConfigProblem = 'assetsync: configuration error: SNIPEIT_TOKEN is not set.'
        Invoke-Install -ProjectDir $project

        Should -Invoke Write-Warning -Times 1 -Exactly -ParameterFilter { $Message -like '*SNIPEIT_TOKEN is not set*exit code 2*' }
        Should -Invoke Register-ScheduledTask -Times 1 -Exactly
    }

    It 'rejects duplicate times' {
        { Invoke-Install -ProjectDir $project -Override @{ At = @('08:00', '08:00') } } |
            Should -Throw '*more than once*'
    }

    It 'rejects an execution time limit that is not shorter than the gap between runs' {
        { Invoke-Install -ProjectDir $project -Override @{ At = @('08:00', '08:30') } } | Should -Throw '*shorter than the smallest gap*'
        Should -Invoke Register-ScheduledTask -Times 0
    }

    It 'refuses to register without elevation, with a clear message' {
        Mock Test-IsAdministrator { $false }
        { Invoke-Install -ProjectDir $project } | Should -Throw '*Run as administrator*'
        Should -Invoke Register-ScheduledTask -Times 0
    }

    It 'registers nothing and needs no elevation with -WhatIf' {
        Mock Test-IsAdministrator { $false }
        $logs = [IO.Path]::Combine($project, 'logs')

        Invoke-Install -ProjectDir $project -Override @{ RunNow = [switch]$true } -WhatIf

        Should -Invoke Register-ScheduledTask -Times 0
        Should -Invoke Start-ScheduledTask -Times 0
        Should -Invoke Grant-ProjectAccess -Times 0
        Should -Invoke Test-IsAdministrator -Times 0
        Test-Path -LiteralPath $logs | Should -BeFalse
    }

    It 'creates the log folder' {
        Invoke-Install -ProjectDir $project
        Test-Path -LiteralPath ([IO.Path]::Combine($project, 'logs')) -PathType Container | Should -BeTrue
    }

    It 'uses the log folder the sync uses (ASSETSYNC_LOG_DIR as the project Python resolves it)' {
        $script:ConfiguredLogDir = [IO.Path]::Combine($TestDrive, 'elsewhere', 'synclogs')
        Invoke-Install -ProjectDir $project
        Test-Path -LiteralPath $script:ConfiguredLogDir -PathType Container | Should -BeTrue
        $script:Registered.Description | Should -BeLike ('*{0}*' -f $script:ConfiguredLogDir)
    }

    It 'needs -Credential for a password logon and never prompts for it' {
        { Invoke-Install -ProjectDir $project -Override @{ LogonType = 'Password' } } |
            Should -Throw '*needs -Credential*'
    }

    It 'hands a password to Register-ScheduledTask only with -LogonType Password and -Credential' {
        $secret = New-Object -TypeName System.Security.SecureString
        foreach ($character in 'not-a-real-password'.ToCharArray()) {
            $secret.AppendChar($character)
        }
        $credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'CONTOSO\svc-sync', $secret
        Invoke-Install -ProjectDir $project -Override @{ LogonType = 'Password'; Credential = $credential; UserId = '' }

        Should -Invoke Register-ScheduledTask -Times 1 -Exactly -ParameterFilter {
            $User -eq 'CONTOSO\svc-sync' -and $Password -eq 'not-a-real-password' -and $null -eq $Principal -and $Force
        }
        Should -Invoke Grant-ProjectAccess -Times 1 -Exactly -ParameterFilter { $UserId -eq 'CONTOSO\svc-sync' }
    }

    It 'grants a different account access to the project, unless -SkipAcl' {
        Invoke-Install -ProjectDir $project -Override @{ UserId = 'CONTOSO\svc-sync' }
        Should -Invoke Grant-ProjectAccess -Times 1 -Exactly

        Invoke-Install -ProjectDir $project -Override @{
                UserId = 'CONTOSO\svc-sync'; SkipAcl = [switch]$true }
        Should -Invoke Grant-ProjectAccess -Times 1 -Exactly
    }

    It 'leaves the ACLs alone when the task runs as the installing user' {
        Invoke-Install -ProjectDir $project
        Should -Invoke Grant-ProjectAccess -Times 0
    }
}

Describe '-RunNow' {
    BeforeEach {
        $project = New-TestProject
    }

    It 'starts the task once, waits for the run and succeeds on exit code 0' {
        Invoke-Install -ProjectDir $project -Override @{ RunNow = [switch]$true }

        Should -Invoke Start-ScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskName -eq 'AssetSync' -and $TaskPath -eq '\' }
        Should -Invoke Write-Host -ParameterFilter { "$Object" -like 'Last Run Result: 0x0 (0): success*' }
        $today = (Get-Date).ToString('yyyyMMdd', [Globalization.CultureInfo]::InvariantCulture)
        $log = [IO.Path]::Combine($project, 'logs', ('sync_{0}.log' -f $today))
        Should -Invoke Write-Host -ParameterFilter { "$Object" -like ('*{0}*' -f $log) }
    }

    It 'fails with the translated Last Run Result when the sync fails' {
        $script:RunExitCode = 4
        { Invoke-Install -ProjectDir $project -Override @{ RunNow = [switch]$true } } |
            Should -Throw '*0x4 (4): removal brake*'
    }
}

Describe 'Uninstall-AssetSyncSchedule' {
    It 'succeeds without elevation when the task is not registered' {
        Mock Get-ScheduledTask { return }
        Mock Test-IsAdministrator { $false }

        { Uninstall-AssetSyncSchedule -TaskName 'AssetSync' -TaskPath '\' } | Should -Not -Throw
        Should -Invoke Unregister-ScheduledTask -Times 0
    }

    It 'removes a registered task without a prompt' {
        Uninstall-AssetSyncSchedule -TaskName 'AssetSync' -TaskPath '\'
        Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly -ParameterFilter {
            $TaskName -eq 'AssetSync' -and $TaskPath -eq '\'
        }
    }

    It 'removes nothing with -WhatIf' {
        Uninstall-AssetSyncSchedule -TaskName 'AssetSync' -TaskPath '\' -WhatIf
        Should -Invoke Unregister-ScheduledTask -Times 0
    }
}

Describe 'Event Log source' {
    It 'is registered with the task' {
        Invoke-Install -ProjectDir (New-TestProject)
        Should -Invoke Register-EventLogSource -Times 1 -Exactly
    }

    It 'is removed with the task, and left alone when there is no task' {
        Uninstall-AssetSyncSchedule -TaskName 'AssetSync' -TaskPath '\'
        Should -Invoke Unregister-EventLogSource -Times 1 -Exactly

        Mock Get-ScheduledTask { return }
        Uninstall-AssetSyncSchedule -TaskName 'AssetSync' -TaskPath '\'
        Should -Invoke Unregister-EventLogSource -Times 1 -Exactly
    }

    It 'is not even looked up with -WhatIf' {
        Mock Test-EventLogSource { $false }
        & (Get-Command -Name 'Register-EventLogSource' -CommandType Function) -WhatIf
        & (Get-Command -Name 'Unregister-EventLogSource' -CommandType Function) -WhatIf
        Should -Invoke Test-EventLogSource -Times 0
    }
}

Describe 'The script as a whole' {
    BeforeEach {
        $project = New-TestProject
        # A name no real task has, in case a mock does not reach into the script's own scope.
        $name = 'AssetSyncPester{0}' -f [guid]::NewGuid().ToString('N')
    }

    It 'exits 0 with -WhatIf and registers nothing' -Skip:(-not $RealPython) -TestCases @(@{ Python = $RealPython }) {
        & $script:ScriptPath -TaskName $name -ProjectDir $project -PythonPath $Python -UserId 'TESTDOMAIN\tester' -SkipAcl -WhatIf
        $LASTEXITCODE | Should -Be 0
        Should -Invoke Register-ScheduledTask -Times 0
    }

    It 'exits 0 for -Uninstall when the task does not exist' {
        Mock Get-ScheduledTask { return }
        & $script:ScriptPath -TaskName $name -Uninstall
        $LASTEXITCODE | Should -Be 0
        Should -Invoke Unregister-ScheduledTask -Times 0
    }

    It 'exits 1 with one message when something is wrong' {
        & $script:ScriptPath -TaskName $name -ProjectDir ([IO.Path]::Combine($TestDrive, 'missing')) -WhatIf 2>$null
        $LASTEXITCODE | Should -Be 1
    }
}

Describe 'Helpers' {
    It 'translates Last Run Result <Code> to <Expected>' -TestCases @(
        @{ Code = 0; Expected = '0x0 (0): success' }
        @{ Code = 2; Expected = '0x2 (2): configuration error*' }
        @{ Code = 3; Expected = '0x3 (3): another sync was running*' }
        @{ Code = 130; Expected = '0x82 (130): interrupted*' }
        @{ Code = 267009; Expected = '0x41301 (267009): the task is running now*' }
        @{ Code = 267011; Expected = '0x41303 (267011): the task has not run yet*' }
        @{ Code = -1073741510; Expected = '0xC000013A (3221225786): *Ctrl+C*' }
        @{ Code = 77; Expected = '0x4D (77): not a code*' }
    ) {
        Format-LastRunResult -Code $Code | Should -BeLike $Expected
    }

    It 'quotes <Value> as <Expected>' -TestCases @(
        @{ Value = 'C:\Program Files\assetsync\scheduled_sync.py'; Expected = '"C:\Program Files\assetsync\scheduled_sync.py"' }
        @{ Value = 'C:\assetsync\'; Expected = '"C:\assetsync\\"' }
        @{ Value = 'a"b'; Expected = '"a\"b"' }
    ) {
        ConvertTo-QuotedArgument -Value $Value | Should -Be $Expected
    }

    It 'sorts -At, refuses duplicates, and prefers the configured times when told to' {
        (Resolve-SyncTime -At @('20:00', '08:00', '12:00')) -join ',' | Should -Be '08:00,12:00,20:00'
        { Resolve-SyncTime -At @('08:00', '08:00') } | Should -Throw '*more than once*'
        (Resolve-SyncTime -At @('08:00') -PreferSetting $true -Configured '06:00,18:00') -join ',' |
            Should -Be '06:00,18:00'
    }

    It 'measures the smallest gap including the wrap to the next day' {
        Get-SmallestGap -At @('08:00', '12:00', '16:00', '20:00') | Should -Be ([TimeSpan]::FromHours(4))
        Get-SmallestGap -At @('00:15', '23:30') | Should -Be ([TimeSpan]::FromMinutes(45))
    }
}
