"""setup_sync_schedule.ps1 without PowerShell: it parses, it is ASCII, and it registers what it should.

The build machines have no PowerShell, so these tests read the script with the tree-sitter
PowerShell grammar and assert on its syntax tree: the task name, the times, the settings, the
principal, -Force, ShouldProcess around every change, no prompts. The behaviour itself is covered
by the Pester tests in tests/powershell/ wherever PowerShell exists.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from assetsync import exitcodes
from assetsync.alerts import eventlog
from assetsync.schedule import DEFAULT_SYNC_TIMES, parse_sync_times, smallest_gap

SCRIPT = Path(__file__).resolve().parent.parent / "setup_sync_schedule.ps1"
PESTER_TESTS = Path(__file__).resolve().parent / "powershell" / "setup_sync_schedule.Tests.ps1"
PARSER = Parser(Language(tree_sitter_powershell.language()))
# Every command that changes the machine; each must sit inside `if ($PSCmdlet.ShouldProcess(...))`.
CHANGING_COMMANDS = {
    "Register-ScheduledTask",
    "Unregister-ScheduledTask",
    "Start-ScheduledTask",
    "icacls.exe",
    "wevtutil.exe",
    "Stop-ScheduledTask",
    "Set-ScheduledTask",
    "New-Item",
    "Set-Acl",
}


# --- reading the tree ------------------------------------------------------------------------------


@cache
def source() -> bytes:
    return SCRIPT.read_bytes()


@cache
def root() -> Node:
    return PARSER.parse(source()).root_node


def text(node: Node | None) -> str:
    assert node is not None
    return source()[node.start_byte : node.end_byte].decode("ascii")


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def syntax_errors(src: bytes) -> list[tuple[int, int, str]]:
    """(line, column, node type) of each syntax problem; [] when the file parses cleanly."""
    top = PARSER.parse(src).root_node
    if not top.has_error:
        return []
    found, stack = [], [top]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append((node.start_point[0] + 1, node.start_point[1] + 1, node.type))
            continue
        culprits = [child for child in node.children if child.has_error or child.is_missing]
        if not culprits:  # a hidden MISSING node that .children does not expose
            found.append((node.start_point[0] + 1, node.start_point[1] + 1, node.type))
        stack.extend(culprits)
    return found


def command_name(command: Node) -> str:
    return text(command.child_by_field_name("command_name"))


def commands(name: str | None = None, within: Node | None = None) -> list[Node]:
    found = [node for node in walk(within or root()) if node.type == "command"]
    return [node for node in found if name is None or command_name(node).lower() == name.lower()]


def elements(command: Node) -> list[Node]:
    """The parameters and arguments of a command, without the separators."""
    container = command.child_by_field_name("command_elements")
    if container is None:
        return []
    return [child for child in container.named_children if child.type != "command_argument_sep"]


def parameters(command: Node) -> dict[str, str | None]:
    """{'-Name': argument text or None (a switch)} for each parameter written on the command."""
    result: dict[str, str | None] = {}
    items = elements(command)
    for index, item in enumerate(items):
        if item.type == "command_parameter":
            following = items[index + 1] if index + 1 < len(items) else None
            value = None if following is None or following.type == "command_parameter" else text(following)
            result[text(item).rstrip(":")] = value
    return result


def splats(command: Node) -> list[str]:
    return [text(item) for item in elements(command) if text(item).startswith("@")]


def functions() -> dict[str, Node]:
    return {function_name(node): node for node in walk(root()) if node.type == "function_statement"}


def function(name: str) -> Node:
    return functions()[name]


def param_block(owner: Node) -> Node:
    return next(node for node in walk(owner) if node.type == "param_block")


def script_parameters(block: Node) -> dict[str, Node]:
    """{'At': script_parameter node} for a param block."""
    found = {}
    for node in walk(block):
        if node.type == "script_parameter":
            variable = next(child for child in node.children if child.type == "variable")
            found[text(variable).lstrip("$")] = node
    return found


def top_level_params() -> dict[str, Node]:
    block = next(child for child in root().children if child.type == "param_block")
    return script_parameters(block)


def default_of(parameter: Node) -> Node:
    default = next(child for child in parameter.children if child.type == "script_parameter_default")
    return default.named_children[0]


def string_literals(node: Node) -> list[str]:
    return [text(item)[1:-1] for item in walk(node) if item.type == "string_literal"]


def attributes(parameter: Node) -> list[str]:
    return [text(node) for node in walk(parameter) if node.type == "attribute"]


def enclosing(node: Node, kind: str) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        if parent.type == kind:
            yield parent
        parent = parent.parent


def guarded_by_should_process(node: Node) -> bool:
    """True when `node` is in the body (not an else branch) of `if ($PSCmdlet.ShouldProcess(...))`."""
    for statement in enclosing(node, "if_statement"):
        condition = statement.child_by_field_name("condition")
        body = next(child for child in statement.children if child.type == "statement_block")
        inside_body = body.start_byte <= node.start_byte and node.end_byte <= body.end_byte
        if inside_body and re.fullmatch(r"\$PSCmdlet\.ShouldProcess\(.*\)", text(condition), re.DOTALL):
            return True
    return False


def function_of(node: Node) -> Node:
    return next(enclosing(node, "function_statement"))


def function_name(statement: Node) -> str:
    return text(next(child for child in statement.children if child.type == "function_name"))


def help_block() -> str:
    comments = [child for child in root().children if child.type == "comment"]
    blocks = [text(comment) for comment in comments if text(comment).startswith("<#")]
    assert blocks, "no comment-based help block before the param block"
    return blocks[0]


# --- syntax and encoding -----------------------------------------------------------------------------


def test_script_parses_without_errors() -> None:
    assert syntax_errors(source()) == []
    assert not root().has_error


def test_the_syntax_gate_catches_broken_powershell() -> None:
    # A gate that passes everything proves nothing: break the script and expect errors.
    text_ = source().decode("ascii")
    assert syntax_errors(text_.rstrip().removesuffix("}").encode("ascii")) != []
    assert (
        syntax_errors(
            text_.replace("if ($PSCmdlet.ShouldProcess(", "if (($PSCmdlet.ShouldProcess(", 1).encode()
        )
        != []
    )
    assert syntax_errors(b"$x = $a ?? 'b'\n") != []  # PowerShell 7 only; Windows PowerShell 5.1 rejects it


def test_script_is_pure_ascii() -> None:
    # Windows PowerShell 5.1 reads a BOM-less script as ANSI; one UTF-8 dash can break the parse.
    offenders = [index for index, byte in enumerate(source()) if byte >= 0x80]
    assert offenders == [], f"non-ASCII bytes at offsets {offenders[:10]}"


def test_pester_tests_parse_and_are_ascii() -> None:
    # They run only where PowerShell exists; at least keep them syntactically sound here.
    tests = PESTER_TESTS.read_bytes()
    assert syntax_errors(tests) == []
    assert all(byte < 0x80 for byte in tests)
    for command in (
        "Register-ScheduledTask",
        "Unregister-ScheduledTask",
        "Start-ScheduledTask",
        "Get-ScheduledTask",
        "Get-ScheduledTaskInfo",
        "New-ScheduledTaskAction",
        "New-ScheduledTaskTrigger",
        "New-ScheduledTaskSettingsSet",
        "New-ScheduledTaskPrincipal",
        "Test-IsAdministrator",
    ):
        assert re.search(rf"^\s*Mock {command} ", tests.decode(), re.MULTILINE), command


def test_no_powershell_7_only_operators() -> None:
    leaves = {node.type for node in walk(root()) if node.child_count == 0}
    assert not leaves & {"&&", "||", "??", "??=", "?."}


# --- help, parameters, defaults ------------------------------------------------------------------


def test_comment_based_help_documents_every_parameter() -> None:
    help_text = help_block()
    for keyword in (".SYNOPSIS", ".DESCRIPTION", ".EXAMPLE", ".NOTES"):
        assert re.search(rf"^\s*\{keyword}\b", help_text, re.MULTILINE), keyword
    documented = set(re.findall(r"^\s*\.PARAMETER\s+(\w+)", help_text, re.MULTILINE))
    assert documented == set(top_level_params())
    # The help sits before the param block (where Get-Help looks for a script's help).
    assert (
        help_text.encode()
        in source()[: next(c for c in root().children if c.type == "param_block").start_byte]
    )


def test_cmdletbinding_supports_should_process() -> None:
    block = next(child for child in root().children if child.type == "param_block")
    binding = next(
        text(node) for node in walk(block) if node.type == "attribute" and "CmdletBinding" in text(node)
    )
    assert re.search(r"SupportsShouldProcess\s*=\s*\$true", binding)
    assert "DefaultParameterSetName = 'Install'" in binding
    assert text(root().children[0]).lower() == "#requires -version 5.1"


def test_default_times_equal_the_python_default() -> None:
    at = top_level_params()["At"]
    assert ",".join(string_literals(default_of(at))) == DEFAULT_SYNC_TIMES
    assert "[ValidateCount(1, 48)]" in attributes(at)


def at_pattern() -> str:
    return next(
        string_literals(node)[0]
        for node in walk(top_level_params()["At"])
        if node.type == "attribute" and "ValidatePattern" in text(node)
    )


def test_at_accepts_exactly_the_times_the_python_setting_accepts() -> None:
    samples = ["08:00", "00:00", "23:59", "8:00", "24:00", "12:60", "0800", "08:00:00", " 08:00", "ab:cd"]
    for sample in samples:
        try:
            parse_sync_times(sample)
            python_ok = sample.strip() == sample
        except ValueError:
            python_ok = False
        assert bool(re.fullmatch(at_pattern().strip("^$"), sample)) == python_ok, sample


def test_settings_come_from_the_project_python_never_from_parsing_env() -> None:
    (start,) = commands("Start-Process", within=function("Get-AssetSyncConfig"))
    given = parameters(start)
    assert given["-FilePath"] == "$PythonExe"
    assert given["-ArgumentList"] == "'-m', 'assetsync', 'config', '--json'"
    assert given["-WorkingDirectory"] == "$ProjectDir"
    install = text(function("Install-AssetSyncSchedule"))
    assert "$config = Get-AssetSyncConfig -PythonExe $python -ProjectDir $project" in install
    assert "-Configured $config.Settings['ASSETSYNC_SYNC_TIMES']" in install
    assert "$logDir = $config.Settings['ASSETSYNC_LOG_DIR']" in install
    names = {command_name(node).lower() for node in commands()}
    assert not names & {"get-content", "gc", "type", "cat"}, "the script reads a file itself"
    assert "dotenv" not in source().decode().lower()


def test_the_python_answers_what_the_script_reads(tmp_path: Path) -> None:
    """`assetsync config --json` has the two settings the script uses, in the form it expects:
    times it splits at commas into valid -At values, and an absolute log folder."""
    env = {**os.environ, "ASSETSYNC_SYNC_TIMES": "17:30, 07:30", "ASSETSYNC_LOG_DIR": "synclogs"}
    done = subprocess.run(
        [sys.executable, "-m", "assetsync", "config", "--json"], env=env, capture_output=True, cwd=tmp_path
    )
    payload = json.loads(done.stdout)
    assert payload["env_file"].endswith(".env")
    values = {row["name"]: row["value"] for row in payload["settings"]}
    times = values["ASSETSYNC_SYNC_TIMES"].split(",")
    assert times == ["07:30", "17:30"]
    assert all(re.fullmatch(at_pattern().strip("^$"), at) for at in times)
    assert Path(values["ASSETSYNC_LOG_DIR"]).is_absolute()
    assert Path(values["ASSETSYNC_LOG_DIR"]).name == "synclogs"


def test_task_name_and_root_folder() -> None:
    params = top_level_params()
    assert string_literals(default_of(params["TaskName"])) == ["AssetSync"]
    assert string_literals(default_of(params["TaskPath"])) == ["\\"]


def test_least_privilege_principal_by_default() -> None:
    params = top_level_params()
    assert string_literals(default_of(params["LogonType"])) == ["S4U"]
    assert string_literals(default_of(params["RunLevel"])) == ["Limited"]
    assert "[ValidateSet('S4U', 'Password', 'Interactive', 'ServiceAccount')]" in attributes(
        params["LogonType"]
    )
    assert "[System.Management.Automation.PSCredential]" in attributes(params["Credential"])
    (principal,) = commands("New-ScheduledTaskPrincipal")
    assert parameters(principal) == {
        "-UserId": "$UserId",
        "-LogonType": "$LogonType",
        "-RunLevel": "$RunLevel",
    }
    # The password is unwrapped in one place only, right at Register-ScheduledTask.
    unwraps = [
        node
        for node in walk(root())
        if node.type == "invokation_expression" and text(node).endswith("GetNetworkCredential()")
    ]
    assert [function_name(function_of(node)) for node in unwraps] == ["Register-AssetSyncTask"]


def test_current_user_is_the_account_name_not_the_environment_variable() -> None:
    body = text(function("Get-CurrentUserName"))
    assert "[Security.Principal.WindowsIdentity]::GetCurrent().Name" in body
    variables = {text(node).lower() for node in walk(root()) if node.type == "variable"}
    assert "$env:username" not in variables


# --- what gets registered ------------------------------------------------------------------------


def timespan_default(name: str) -> timedelta:
    value = text(default_of(top_level_params()[name]))
    match = re.fullmatch(r"\[TimeSpan\]::From(Hours|Minutes)\((\d+)\)", value)
    assert match, value
    return timedelta(**{match[1].lower(): int(match[2])})


def test_settings_set() -> None:
    (settings,) = commands("New-ScheduledTaskSettingsSet")
    given = parameters(settings)
    assert "-StartWhenAvailable" in given
    assert given["-MultipleInstances"] == "IgnoreNew"
    assert given["-ExecutionTimeLimit"] == "$ExecutionTimeLimit"
    assert "-AllowStartIfOnBatteries" in given
    assert "-DontStopIfGoingOnBatteries" in given
    assert given["-RestartCount"] == "$RestartCount"
    assert given["-RestartInterval"] == "$RestartInterval"
    limit = timespan_default("ExecutionTimeLimit")
    assert timedelta(0) < limit < smallest_gap(parse_sync_times(DEFAULT_SYNC_TIMES))
    assert limit < timedelta(hours=4)
    assert timespan_default("RestartInterval") == timedelta(minutes=5)
    assert text(default_of(top_level_params()["RestartCount"])) == "3"
    assert "[ValidateRange(1, 255)]" in attributes(top_level_params()["RestartCount"])
    # The execution limit is checked against the actual gap between the chosen times.
    assert "$ExecutionTimeLimit -ge $gap" in text(function("Assert-TaskTiming"))


def test_opt_in_settings_stay_off_by_default() -> None:
    params = top_level_params()
    for name in ("RunOnlyIfNetworkAvailable", "WakeToRun"):
        assert "[switch]" in attributes(params[name])
        assert not any(child.type == "script_parameter_default" for child in params[name].children)


def test_action_runs_the_project_python_with_the_quoted_script_in_the_project_folder() -> None:
    (action,) = commands("New-ScheduledTaskAction")
    given = parameters(action)
    assert given["-Execute"] == "(ConvertTo-QuotedArgument -Value $PythonExe)"
    assert given["-Argument"] == "(ConvertTo-QuotedArgument -Value $ScriptPath)"
    # A quoted "Start in" folder fails with 0x8007010B: the working directory stays a bare value.
    assert given["-WorkingDirectory"] == "$ProjectDir"
    install = text(function("Install-AssetSyncSchedule"))
    assert "$scriptPath = [IO.Path]::Combine($project, 'scheduled_sync.py')" in install


def test_python_comes_from_the_project_venv_never_from_path() -> None:
    body = text(function("Resolve-ProjectPython"))
    venv = body.index("[IO.Path]::Combine($ProjectDir, '.venv', 'Scripts', 'python.exe')")
    legacy = body.index("[IO.Path]::Combine($ProjectDir, 'venv', 'Scripts', 'python.exe')")
    assert venv < legacy
    assert "Test-Path -LiteralPath $candidate -PathType Leaf" in body
    names = {command_name(node).lower() for node in commands()}
    assert not names & {"get-command", "gcm", "where.exe", "where", "python", "python.exe", "py", "py.exe"}


def test_triggers_are_daily_with_a_start_boundary_without_offset() -> None:
    (trigger,) = commands("New-ScheduledTaskTrigger")
    assert parameters(trigger) == {"-Daily": None, "-DaysInterval": "1", "-At": "$start"}
    body = function("New-AssetSyncTrigger")
    (assignment,) = [
        node
        for node in walk(body)
        if node.type == "assignment_expression" and text(node).startswith("$trigger.StartBoundary")
    ]
    formats = string_literals(assignment)
    assert formats == ["{0}T{1}:00", "yyyy-MM-dd"]
    # No 'z'/'K' (offset) specifier: Task Scheduler then reads the boundary as local wall-clock time.
    assert not re.search(r"[zK]", "".join(formats))
    boundary = formats[0].format(datetime(2025, 3, 30).strftime("%Y-%m-%d"), "08:00")
    assert datetime.fromisoformat(boundary).tzinfo is None
    assert "InvariantCulture" in text(body)


def test_register_replaces_in_place_with_force() -> None:
    registrations = commands("Register-ScheduledTask")
    assert len(registrations) == 1
    assert "-Force" in parameters(registrations[0])
    assert splats(registrations[0]) == ["@registration"]
    body = text(function("Register-AssetSyncTask"))
    for key in ("TaskName", "TaskPath", "Action", "Trigger", "Settings", "Description"):
        assert re.search(rf"^\s*{key}\s*=\s*\${key}$", body, re.MULTILINE), key
    assert "$registration['Principal'] = $Principal" in body


def test_unregister_never_prompts_and_uninstall_tolerates_a_missing_task() -> None:
    (unregister,) = commands("Unregister-ScheduledTask")
    assert parameters(unregister)["-Confirm"] == "$false"
    uninstall = function("Uninstall-AssetSyncSchedule")
    (lookup,) = commands("Get-ScheduledTask", within=uninstall)
    assert parameters(lookup)["-ErrorAction"] == "SilentlyContinue"
    assert "nothing to remove" in text(uninstall)


def test_every_change_is_inside_should_process() -> None:
    changing = [node for node in commands() if command_name(node) in CHANGING_COMMANDS]
    assert {command_name(node) for node in changing} >= {
        "Register-ScheduledTask",
        "Unregister-ScheduledTask",
        "Start-ScheduledTask",
        "icacls.exe",
        "wevtutil.exe",
    }
    creations = [
        node
        for node in walk(root())
        if node.type == "invokation_expression" and "CreateDirectory" in text(node)
    ]
    assert creations
    for node in [*changing, *creations]:
        assert guarded_by_should_process(node), f"line {node.start_point[0] + 1}: {text(node)[:60]}"
        binding = text(param_block(function_of(node)))
        assert "SupportsShouldProcess = $true" in binding, text(function_of(node))[:60]


def test_no_interactive_prompts() -> None:
    names = {command_name(node).lower() for node in commands()}
    assert not names & {"read-host", "get-credential", "pause", "out-gridview"}
    assert "PromptForCredential" not in text(root())
    assert "PromptForChoice" not in text(root())
    # [Credential()] would prompt whenever a user name string is passed.
    assert not any("Credential()" in text(node) for node in walk(root()) if node.type == "attribute")


def test_strict_mode_and_stop_on_errors_at_script_level() -> None:
    top = [child for child in root().children if child.type == "statement_list"]
    statements = [text(node) for node in top[0].named_children]
    assert "Set-StrictMode -Version Latest" in statements
    assert "$ErrorActionPreference = 'Stop'" in statements


def test_elevation_is_checked_by_a_mockable_function_and_skipped_for_whatif() -> None:
    body = text(function("Assert-Administrator"))
    assert "if ($WhatIfPreference)" in body
    assert "Test-IsAdministrator" in body
    assert "Run as administrator" in body
    assert "#requires -runasadministrator" not in source().decode().lower()


def test_dot_source_guard_runs_main_only_when_executed() -> None:
    top = next(child for child in root().children if child.type == "statement_list")
    guard = top.named_children[-1]
    assert guard.type == "if_statement"
    assert text(guard.child_by_field_name("condition")) == "$MyInvocation.InvocationName -ne '.'"
    body = text(guard)
    assert "exit 0" in body
    assert "exit 1" in body
    assert "Install-AssetSyncSchedule @installArguments" in body
    assert "Uninstall-AssetSyncSchedule" in body
    # Nothing but function definitions (and the two settings) runs when a test dot-sources the file.
    others = [node for node in top.named_children[:-1] if node.type not in ("function_statement", "comment")]
    assert [text(node) for node in others] == [
        "Set-StrictMode -Version Latest",
        "$ErrorActionPreference = 'Stop'",
    ]


def test_install_function_accepts_every_script_parameter() -> None:
    install = set(script_parameters(param_block(function("Install-AssetSyncSchedule"))))
    assert set(top_level_params()) - {"Uninstall"} <= install
    assert install - set(top_level_params()) == {"PreferTimesSetting"}


def test_run_now_reports_last_run_result_and_todays_log() -> None:
    run = text(function("Start-AssetSyncTaskRun"))
    assert "Get-ScheduledTaskInfo" in run
    assert "LastRunTime" in run
    report = text(function("Write-RunResult"))
    assert "'sync_{0}.log' -f (Get-Date).ToString('yyyyMMdd', $culture)" in report
    assert "Format-LastRunResult" in report


def test_last_run_result_table_covers_the_sync_exit_codes_and_task_scheduler_states() -> None:
    table = next(
        node for node in walk(function("Format-LastRunResult")) if node.type == "hash_literal_expression"
    )
    keys = [text(node).strip("'") for node in walk(table) if node.type == "key_expression"]
    for code in exitcodes.MEANING:
        assert f"0x{code:X}" in keys, code
    assert {"0x41301", "0x41303", "0x41306", "0xC000013A"} <= set(keys)


def test_pester_cases_of_last_run_result_agree_with_the_table() -> None:
    """Get-ScheduledTaskInfo reports decimal (negative for NTSTATUS codes); each Pester case's
    expected hex must be that number as unsigned 32-bit hex, and its meaning the table's."""
    table = next(
        node for node in walk(function("Format-LastRunResult")) if node.type == "hash_literal_expression"
    )
    meanings = dict(re.findall(r"'(0x[0-9A-F]+)'\s*=\s*'([^']*)'", text(table)))
    case = r"@\{ Code = (-?\d+); Expected = '(0x[0-9A-F]+) \((\d+)\): ([^']*)' \}"
    cases = re.findall(case, PESTER_TESTS.read_text("ascii"))
    assert len(cases) >= 6
    for code, hex_code, unsigned, meaning in cases:
        assert hex_code == f"0x{int(code) & 0xFFFFFFFF:X}" and int(unsigned) == int(hex_code, 16), code
        if meaning.startswith("not a code"):
            assert hex_code not in meanings
        else:
            assert fnmatch.fnmatchcase(meanings[hex_code], meaning), code


def test_final_output_explains_monitor_run_and_remove() -> None:
    body = text(function("Write-NextStep"))
    for command in ("Get-ScheduledTask ", "Get-ScheduledTaskInfo ", "Start-ScheduledTask ", "-Uninstall"):
        assert command in body
    assert "'-TaskName \"{0}\"' -f $TaskName" in text(function("Get-TaskSelector"))


@pytest.mark.parametrize("forbidden", ["ConvertTo-SecureString", "-AsPlainText", "Invoke-Expression", "iex "])
def test_no_secret_or_eval_tricks(forbidden: str) -> None:
    assert forbidden.lower() not in source().decode().lower()


def test_event_log_source_is_registered_with_the_task_and_removed_with_it() -> None:
    calls = {
        found[0]: node
        for node in walk(root())
        if node.type == "invokation_expression"
        and (found := re.search(r"(Create|Delete)EventSource", text(node)))
    }
    assert set(calls) == {"CreateEventSource", "DeleteEventSource"}
    for node in calls.values():
        assert guarded_by_should_process(node), f"line {node.start_point[0] + 1}: {text(node)[:60]}"
        assert "SupportsShouldProcess = $true" in text(param_block(function_of(node)))
    # The source's name is the one the sync writes with.
    for name in ("Register-EventLogSource", "Unregister-EventLogSource"):
        assert f"[string]$Source = '{eventlog.SOURCE}'" in text(function(name))
    install, uninstall = function("Install-AssetSyncSchedule"), function("Uninstall-AssetSyncSchedule")
    assert len(commands("Register-EventLogSource", within=install)) == 1
    (register_task,) = commands("Register-AssetSyncTask", within=install)
    (register_source,) = commands("Register-EventLogSource", within=install)
    assert register_task.start_byte < register_source.start_byte
    (unregister_task,) = commands("Unregister-AssetSyncTask", within=uninstall)
    (unregister_source,) = commands("Unregister-EventLogSource", within=uninstall)
    assert unregister_task.start_byte < unregister_source.start_byte
