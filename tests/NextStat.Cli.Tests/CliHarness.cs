using System.Diagnostics;
using System.Text;
using NextStat.Cli;

namespace NextStat.Cli.Tests;

/// <summary>The outcome of one <c>nextstat</c> invocation.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs the console host in-process (fast) or as a child process (for kills and cluster jobs).</summary>
public static class CliHarness
{
    /// <summary>The console host's assembly, copied next to the tests by the project reference.</summary>
    public static string HostDll => Path.Combine(AppContext.BaseDirectory, "nextstat.dll");

    /// <summary>The repository root (found from the test assembly, so tests never depend on absolute paths).</summary>
    public static string RepoRoot
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "NextStat.Kernels.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("the repository root (NextStat.Kernels.sln) is not above the test assembly");
        }
    }

    /// <summary>The bundled sample workspace.</summary>
    public static string SampleWorkspace => Path.Combine(RepoRoot, "samples", "data", "sample_workspace.json");

    /// <summary>Runs <paramref name="args"/> in this process.</summary>
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NextStatCommandLine.Run(args, new CliContext(output, error, false, CancellationToken.None));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>dotnet nextstat.dll</c> with <paramref name="args"/>; output is read asynchronously.</summary>
    public static Process Start(IEnumerable<string> args, StringBuilder? output = null, StringBuilder? error = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostDll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (process) { output?.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (process) { error?.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <c>dotnet nextstat.dll</c> to completion.</summary>
    public static CliResult RunProcess(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(HostDll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return RunToEnd(info, TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// Runs the program of <paramref name="info"/> to its end with both output streams read (redirection is set
    /// here); a run longer than <paramref name="timeout"/> is killed with its children and reported.
    /// </summary>
    public static CliResult RunToEnd(ProcessStartInfo info, TimeSpan timeout)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var output = new StringBuilder();
        var error = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in {timeout}");
        }
        process.WaitForExit();
        lock (output)
        {
            lock (error)
            {
                return new CliResult(process.ExitCode, output.ToString(), error.ToString());
            }
        }
    }

    /// <summary>A fresh scratch directory under the system temp folder.</summary>
    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nextstat-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
