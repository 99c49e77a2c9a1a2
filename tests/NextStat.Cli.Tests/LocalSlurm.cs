using System.Diagnostics;

namespace NextStat.Cli.Tests;

/// <summary>
/// The one-node SLURM cluster of <c>samples/scripts/local-slurm.sh</c>, started once for the test run. Where it
/// cannot run (not root, no apt, not Linux) the tests that need it skip with the reason, except under
/// <c>CI=true</c>, where the missing cluster is a failure.
/// </summary>
public sealed class LocalSlurm
{
    private static readonly Lazy<LocalSlurm> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private LocalSlurm(string? configPath, string? unavailableReason)
    {
        ConfigPath = configPath;
        UnavailableReason = unavailableReason;
    }

    /// <summary>The slurm.conf clients use, or null when unavailable.</summary>
    public string? ConfigPath { get; }

    /// <summary>Why the cluster cannot run here, or null.</summary>
    public string? UnavailableReason { get; }

    /// <summary>The cluster, or a skip (a failure under CI=true) with the reason.</summary>
    public static LocalSlurm Require()
    {
        LocalSlurm slurm = Shared.Value;
        if (slurm.UnavailableReason is { } reason)
        {
            string message = $"a local SLURM cluster is not available: {reason}";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(message + " (CI=true: a skipped cluster test is a failure)");
            }
            Skip.If(true, message);
        }
        return slurm;
    }

    /// <summary>Runs a SLURM client command against this cluster; returns exit code and output.</summary>
    public (int ExitCode, string Output) Client(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["SLURM_CONF"] = ConfigPath;
        info.Environment["NEXTSTAT"] = $"dotnet {CliHarness.HostDll}";
        return RunToEnd(info, timeout);
    }

    private static LocalSlurm Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new LocalSlurm(null, "the local cluster script needs Linux");
        }
        string script = Path.Combine(CliHarness.RepoRoot, "samples", "scripts", "local-slurm.sh");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("start");
        (int code, string output) = RunToEnd(info, TimeSpan.FromMinutes(8));
        if (code != 0)
        {
            return new LocalSlurm(null, $"samples/scripts/local-slurm.sh start exited with {code}: {output.Trim()}");
        }

        var env = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        env.ArgumentList.Add(script);
        env.ArgumentList.Add("env");
        (_, string line) = RunToEnd(env, TimeSpan.FromSeconds(30));
        string conf = line.Trim().Split('=', 2)[1];
        return new LocalSlurm(conf, null);
    }

    // One text, as a failure message shows it: what the script printed, then its errors.
    private static (int ExitCode, string Output) RunToEnd(ProcessStartInfo info, TimeSpan timeout)
    {
        CliResult result = CliHarness.RunToEnd(info, timeout);
        return (result.ExitCode, result.Out + result.Error);
    }
}
