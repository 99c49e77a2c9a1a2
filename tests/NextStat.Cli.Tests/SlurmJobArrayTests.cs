using System.Globalization;
using System.Text.RegularExpressions;

namespace NextStat.Cli.Tests;

/// <summary>
/// Job arrays on a real one-node SLURM (started by samples/scripts/local-slurm.sh): the shards of an array merge into
/// the bytes of a single-process run, and a killed task is named by merge, rerun, and completes the set.
/// </summary>
[Collection(SlurmCollection.Name)]
public sealed partial class SlurmJobArrayTests : IDisposable
{
    private readonly string _dir;

    public SlurmJobArrayTests()
    {
        // Jobs run as the submitting user on this node; a directory under the system temp folder is visible to them.
        _dir = CliHarness.TempDir();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Script => Path.Combine(CliHarness.RepoRoot, "samples", "scripts", "slurm_toys.sh");

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private string SingleRun(int toys, string seed)
    {
        string single = Path.Combine(_dir, "single");
        CliResult result = CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", Text(toys),
            "--output-dir", single, "--seed", seed, "--threads", "2", "--no-uncertainties");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
        return Path.Combine(single, "toys.jsonl");
    }

    [SkippableFact]
    public void Array_shards_merge_to_the_single_run_bytes()
    {
        LocalSlurm slurm = LocalSlurm.Require();
        const int toys = 30;
        string shards = Path.Combine(_dir, "array");
        Directory.CreateDirectory(shards);

        (int code, string output) = slurm.Client("sbatch",
            ["--wait", "--array=1-3", "--cpus-per-task=1", "--output", Path.Combine(shards, "slurm_%a.log"),
             Script, CliHarness.SampleWorkspace, Text(toys), shards, "11", "--no-uncertainties"],
            TimeSpan.FromMinutes(4), _dir);
        Assert.True(code == 0, $"sbatch --wait exited {code}: {output}\n{Logs(shards)}");

        string merged = Path.Combine(_dir, "merged.jsonl");
        CliResult merge = CliHarness.Run("merge", "--input-dir", shards, "--output", merged);
        Assert.True(merge.ExitCode == ExitCodes.Ok, merge.Error);

        Assert.Equal(File.ReadAllBytes(SingleRun(toys, "11")), File.ReadAllBytes(merged));
    }

    [SkippableFact]
    public void A_killed_task_is_named_by_merge_rerun_and_completes()
    {
        LocalSlurm slurm = LocalSlurm.Require();
        const int toys = 90;
        string shards = Path.Combine(_dir, "array");
        Directory.CreateDirectory(shards);

        // Task 2 is killed with SIGKILL (as a node failure or an out-of-time kill ends a job) once it has written a
        // few records; the other tasks run normally. Small chunks make the file grow record by record.
        string wrapper = Path.Combine(_dir, "kill_task2.sh");
        File.WriteAllText(wrapper,
            "#!/usr/bin/env bash\n" +
            "[ \"$SLURM_ARRAY_TASK_ID\" = 2 ] || exec bash \"$@\"\n" +
            "bash \"$@\" & pid=$!\n" +
            "out=\"$4/toys_0002.jsonl\"\n" +
            "while kill -0 $pid 2>/dev/null; do\n" +
            "  if [ \"$(cat \"$out\" 2>/dev/null | wc -l)\" -ge 4 ]; then kill -9 $pid; fi\n" +
            "  sleep 0.01\n" +
            "done\n" +
            "wait $pid\n");

        (int code, string output) = slurm.Client("sbatch",
            ["--wait", "--array=1-3", "--cpus-per-task=1", "--output", Path.Combine(shards, "slurm_%a.log"),
             wrapper, Script, CliHarness.SampleWorkspace, Text(toys), shards, "11", "--no-uncertainties", "--chunk-size", "1"],
            TimeSpan.FromMinutes(4), _dir);
        Assert.True(code != 0, $"the array should report the killed task: {output}");

        string merged = Path.Combine(_dir, "merged.jsonl");
        CliResult incomplete = CliHarness.Run("merge", "--input-dir", shards, "--output", merged);
        Assert.Equal(ExitCodes.IncompleteMerge, incomplete.ExitCode);
        Assert.Matches(RerunJobs(), incomplete.Error);
        Assert.Equal("2", RerunJobs().Match(incomplete.Error).Groups[1].Value);
        Assert.False(File.Exists(merged));

        // The rerun is a one-task array, so it names its place in the original array explicitly.
        (code, output) = slurm.Client("sbatch",
            ["--wait", "--array=2", "--cpus-per-task=1", "--output", Path.Combine(shards, "slurm_rerun_%a.log"),
             Script, CliHarness.SampleWorkspace, Text(toys), shards, "11", "--no-uncertainties", "--job-id", "2", "--total-jobs", "3"],
            TimeSpan.FromMinutes(4), _dir);
        Assert.True(code == 0, $"rerun of task 2 exited {code}: {output}\n{Logs(shards)}");

        CliResult complete = CliHarness.Run("merge", "--input-dir", shards, "--output", merged);
        Assert.True(complete.ExitCode == ExitCodes.Ok, complete.Error);
        Assert.Equal(File.ReadAllBytes(SingleRun(toys, "11")), File.ReadAllBytes(merged));
    }

    private static string Logs(string dir) => string.Join("\n", Directory.EnumerateFiles(dir, "slurm_*.log").Order().Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    [GeneratedRegex(@"rerun job id\(s\) ([0-9,]+)")]
    private static partial Regex RerunJobs();
}

/// <summary>The cluster tests share one node; running them one after another keeps their timings predictable.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SlurmCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "local SLURM";
}
