namespace NextStat.Cli;

/// <summary>The process exit codes of <c>nextstat</c>; listed in <c>nextstat --help</c> and the README.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The job failed: unreadable or invalid input, an I/O error, a computation that could not be done.</summary>
    public const int Failure = 1;

    /// <summary>Wrong command line: unknown or missing options, values out of range (job id, total jobs, threads…).</summary>
    public const int Usage = 2;

    /// <summary><c>merge</c>: jobs of the array are missing or unfinished; the message names the job ids to rerun.</summary>
    public const int IncompleteMerge = 3;

    /// <summary>An existing output or shard belongs to another run (workspace, seed, options differ), or a job's
    /// shard appears twice; nothing was overwritten.</summary>
    public const int Conflict = 4;

    /// <summary>Interrupted (Ctrl+C / SIGTERM); a batch written so far is kept and a rerun resumes it.</summary>
    public const int Interrupted = 130;

    /// <summary>The text shown at the end of <c>--help</c>.</summary>
    public const string Help =
        "Exit codes:\n" +
        "  0    ok\n" +
        "  1    failure: bad input (the message names file, JSON path, channel, sample, modifier or parameter), I/O, computation\n" +
        "  2    usage error: unknown or missing options, values out of range (job id, total jobs, threads)\n" +
        "  3    incomplete merge: jobs missing or unfinished (the message names the job ids to rerun)\n" +
        "  4    conflict: an existing output or a shard belongs to another run, or a shard appears twice (nothing overwritten)\n" +
        "  130  interrupted: a batch keeps what it wrote; rerun the same command to resume";
}

/// <summary>An error to report to the user as one message and an exit code, without a stack trace.</summary>
public sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The exit code to return.</summary>
    public int ExitCode { get; } = exitCode;
}
