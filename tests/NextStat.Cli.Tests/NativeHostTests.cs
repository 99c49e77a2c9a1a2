using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace NextStat.Cli.Tests;

/// <summary>
/// The native host (`-p:PublishProfile=native`, Native AOT) against the JIT host these tests run in-process: the same
/// toy records and plot files byte for byte, and the same exit codes and messages on bad input. The host is published
/// once per test run, into its own scratch folder (its own obj/bin, so the build the tests run from is not touched).
/// </summary>
[Collection(NativeHostCollection.Name)]
public sealed partial class NativeHostTests(NativeHost host) : IDisposable
{
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CliResult Jit(params string[] args) => CliHarness.Run(args);

    [SkippableFact]
    public void Batch_fit_records_are_the_jit_hosts_bytes()
    {
        host.Require();
        string[] Args(string output) =>
            ["batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", "200", "--output-dir", output, "--seed", "7",
             "--toy-poi", "1", "--threads", "2"];
        string jit = Path.Combine(_dir, "jit");
        string native = Path.Combine(_dir, "native");

        CliResult jitRun = Jit(Args(jit));
        CliResult nativeRun = host.Run(Args(native));

        Assert.True(jitRun.ExitCode == ExitCodes.Ok, jitRun.Error);
        Assert.True(nativeRun.ExitCode == ExitCodes.Ok, nativeRun.Error);
        byte[] expected = File.ReadAllBytes(Path.Combine(jit, "toys.jsonl"));
        byte[] actual = File.ReadAllBytes(Path.Combine(native, "toys.jsonl"));
        Assert.Equal(201, expected.Count(b => b == (byte)'\n'));
        // The header names the commit the host was built from, and the tests' own build and this publish may straddle
        // a commit: the header is compared without it, every record byte for byte.
        int expectedHeader = Array.IndexOf(expected, (byte)'\n');
        int actualHeader = Array.IndexOf(actual, (byte)'\n');
        Assert.Equal(WithoutToolVersion(expected[..expectedHeader]), WithoutToolVersion(actual[..actualHeader]));
        Assert.Equal(expected[expectedHeader..], actual[actualHeader..]);
    }

    private static string WithoutToolVersion(byte[] header) =>
        ToolVersion().Replace(Encoding.UTF8.GetString(header), "\"tool_version\":\"\"", 1);

    [GeneratedRegex("\"tool_version\":\"[^\"]*\"")]
    private static partial Regex ToolVersion();

    [SkippableFact]
    public void Scan_and_ranking_plots_are_the_jit_hosts_bytes()
    {
        // The plots are the only code that reaches OxyPlot's reflection, whose trim warning the native build accepts.
        host.Require();
        foreach (string command in new[] { "scan", "ranking" })
        {
            string jitPlot = Path.Combine(_dir, $"{command}-jit.svg");
            string nativePlot = Path.Combine(_dir, $"{command}-native.svg");
            string[] extra = command == "scan" ? ["--points", "5"] : ["--top", "5"];
            CliResult jitRun = Jit([command, "--input", CliHarness.SampleWorkspace, "--plot", jitPlot, .. extra]);
            CliResult nativeRun = host.Run([command, "--input", CliHarness.SampleWorkspace, "--plot", nativePlot, .. extra]);

            Assert.True(jitRun.ExitCode == ExitCodes.Ok, jitRun.Error);
            Assert.True(nativeRun.ExitCode == ExitCodes.Ok, nativeRun.Error);
            Assert.Equal(jitRun.Out, nativeRun.Out);
            byte[] svg = File.ReadAllBytes(jitPlot);
            Assert.Contains("<svg", Encoding.UTF8.GetString(svg));
            Assert.Equal(svg, File.ReadAllBytes(nativePlot));
        }
    }

    [SkippableFact]
    public void Bad_input_gives_the_jit_hosts_exit_codes_and_messages()
    {
        host.Require();
        string missing = Path.Combine(_dir, "missing.json");
        string[][] cases =
        [
            ["fit", "--input", missing],
            ["batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", "5", "--output-dir", Path.Combine(_dir, "a"), "--job-id", "3", "--total-jobs", "2"],
            ["fit", "--input", CliHarness.SampleWorkspace, "--frobnicate"],
        ];
        int[] codes = [ExitCodes.Failure, ExitCodes.Usage, ExitCodes.Usage];
        for (int i = 0; i < cases.Length; i++)
        {
            CliResult jitRun = Jit(cases[i]);
            CliResult nativeRun = host.Run(cases[i]);
            Assert.Equal(codes[i], jitRun.ExitCode);
            Assert.Equal(codes[i], nativeRun.ExitCode);
            Assert.Equal(jitRun.Error.Trim(), nativeRun.Error.Trim());
            Assert.DoesNotContain("   at ", nativeRun.Error);
        }
        Assert.False(Directory.Exists(Path.Combine(_dir, "a")));
    }
}

/// <summary>Publishes the native host once for every test of <see cref="NativeHostCollection"/>.</summary>
public sealed class NativeHost : IDisposable
{
    private readonly string _root = CliHarness.TempDir();
    private readonly Lazy<string> _executable;

    public NativeHost() => _executable = new Lazy<string>(Publish);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// Publishes on first use. Linking needs a C compiler driver (the SDK's build tries clang, then gcc): without one
    /// the tests skip, except under CI (<c>CI=true</c>), where a skip counts as a failure.
    /// </summary>
    public void Require()
    {
        bool compiler = new[] { "clang", "gcc" }.Any(OnPath);
        Skip.If(!compiler && Environment.GetEnvironmentVariable("CI") != "true",
            "no clang or gcc on PATH: the native host cannot be linked here");
        _ = _executable.Value;
    }

    /// <summary>Runs the published host with <paramref name="args"/> to completion.</summary>
    public CliResult Run(params string[] args)
    {
        var info = new ProcessStartInfo(_executable.Value);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return CliHarness.RunToEnd(info, TimeSpan.FromMinutes(3));
    }

    private string Publish()
    {
        string project = Path.Combine(CliHarness.RepoRoot, "samples", "NextStat.Cli", "NextStat.Cli.csproj");
        string output = Path.Combine(_root, "host");
        var info = new ProcessStartInfo("dotnet");
        // No build server or node outlives the publish: nothing is left running after the tests.
        foreach (string arg in new[]
                 {
                     "publish", project, "-c", "Release", "-p:PublishProfile=native", "-o", output,
                     "--artifacts-path", Path.Combine(_root, "artifacts"), "-nodeReuse:false", "-p:UseSharedCompilation=false",
                 })
        {
            info.ArgumentList.Add(arg);
        }
        CliResult result = CliHarness.RunToEnd(info, TimeSpan.FromMinutes(10));
        string executable = Path.Combine(output, "nextstat");
        Assert.True(result.ExitCode == 0 && File.Exists(executable),
            $"dotnet publish -p:PublishProfile=native exited {result.ExitCode}:\n{result.Out}\n{result.Error}");
        // Warnings are errors in this repository; a publish that printed one would have failed above.
        Assert.DoesNotContain("warning", result.Out, StringComparison.OrdinalIgnoreCase);
        return executable;
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, name)));
}

/// <summary>One published native host for all its tests.</summary>
[CollectionDefinition(Name)]
public sealed class NativeHostCollection : ICollectionFixture<NativeHost>
{
    public const string Name = "native host";
}
