using NextStat.Kernels.Batching;

namespace NextStat.Cli.Tests;

/// <summary>Bad arguments and inputs: one clear message, a documented exit code, no stack trace, nothing overwritten.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertClean(CliResult result, int code, string message)
    {
        Assert.True(result.ExitCode == code, $"exit {result.ExitCode}, expected {code}: {result.Error}");
        Assert.Contains(message, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    private string[] BatchFit(params string[] extra) =>
        ["batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", "6", "--output-dir", _dir, "--no-uncertainties", .. extra];

    [Theory]
    [InlineData(new[] { "--job-id", "4", "--total-jobs", "3" }, "the job id must be in 1..3, got 4")]
    [InlineData(new[] { "--job-id", "0", "--total-jobs", "3" }, "the job id must be in 1..3, got 0")]
    [InlineData(new[] { "--job-id", "1", "--total-jobs", "0" }, "the total job count must be at least 1, got 0")]
    [InlineData(new[] { "--job-id", "1" }, "--job-id and --total-jobs must be given together")]
    [InlineData(new[] { "--condor-process", "3", "--total-jobs", "3" }, "--condor-process must be in 0..2")]
    [InlineData(new[] { "--threads=-2" }, "--threads must be 0 (all cores) or positive, got -2")]
    public void Bad_job_arguments_are_usage_errors(string[] extra, string message)
    {
        AssertClean(CliHarness.Run(BatchFit(extra)), ExitCodes.Usage, message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void Zero_toys_and_unknown_options_are_usage_errors()
    {
        AssertClean(CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", "0", "--output-dir", _dir), ExitCodes.Usage, "--n-toys must be at least 1, got 0");
        AssertClean(CliHarness.Run("fit", "--input", CliHarness.SampleWorkspace, "--frobnicate"), ExitCodes.Usage, "Unrecognized command or argument '--frobnicate'");
        AssertClean(CliHarness.Run("fit"), ExitCodes.Usage, "Option '--input' is required");
    }

    [Fact]
    public void Unreadable_or_invalid_workspaces_name_the_file_and_place()
    {
        string missing = Path.Combine(_dir, "missing.json");
        AssertClean(CliHarness.Run("fit", "--input", missing), ExitCodes.Failure, $"{missing}: $: cannot read the workspace file");

        string broken = Path.Combine(_dir, "broken.json");
        File.WriteAllText(broken, "{\"channels\": [ {\"name\": \"SR\", \"samples\": 3} ]");
        CliResult result = CliHarness.Run("eval", "--input", broken);
        AssertClean(result, ExitCodes.Failure, broken);

        string wrongType = Path.Combine(_dir, "wrong.json");
        File.WriteAllText(wrongType, File.ReadAllText(CliHarness.SampleWorkspace).Replace("\"type\": \"normsys\"", "\"type\": \"normsyss\""));
        AssertClean(CliHarness.Run("eval", "--input", wrongType), ExitCodes.Failure, "normsyss");
    }

    [Fact]
    public void Unwritable_output_is_a_failure_and_an_existing_run_is_never_overwritten()
    {
        string notADirectory = Path.Combine(_dir, "file");
        File.WriteAllText(notADirectory, "keep me");
        CliResult result = CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", "4", "--output-dir", notADirectory);
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains(notADirectory, result.Error);
        Assert.Equal("keep me", File.ReadAllText(notADirectory));

        Assert.Equal(ExitCodes.Ok, CliHarness.Run(BatchFit("--seed", "1")).ExitCode);
        string toys = Path.Combine(_dir, "toys.jsonl");
        byte[] before = File.ReadAllBytes(toys);
        AssertClean(CliHarness.Run(BatchFit("--seed", "2")), ExitCodes.Conflict, "seed: 2 vs 1");
        Assert.Equal(before, File.ReadAllBytes(toys));

        string fitOutput = Path.Combine(_dir, "no-such-dir", "fit.json");
        AssertClean(CliHarness.Run("fit", "--input", CliHarness.SampleWorkspace, "--output", fitOutput), ExitCodes.Failure, $"cannot write --output {fitOutput}");
    }

    [Fact]
    public void Toys_do_not_depend_on_threads_chunks_or_resume()
    {
        string one = Path.Combine(_dir, "one");
        string two = Path.Combine(_dir, "two");
        Assert.Equal(ExitCodes.Ok, CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "-n", "12", "-o", one, "--threads", "1", "--chunk-size", "5", "--no-uncertainties").ExitCode);
        Assert.Equal(ExitCodes.Ok, CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "-n", "12", "-o", two, "--threads", "2", "--no-uncertainties").ExitCode);
        byte[] expected = File.ReadAllBytes(Path.Combine(one, "toys.jsonl"));
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(two, "toys.jsonl")));
        BatchFileScan scan = BatchFile.Scan(Path.Combine(one, "toys.jsonl"));
        Assert.Equal(12, scan.Records);
        Assert.Equal("mu_SIG", scan.Header!.Poi);
    }
}
